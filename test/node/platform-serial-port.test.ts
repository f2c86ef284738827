import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ByteChannel } from '../../src/io/byte-channel.js';
import type { UartSettings } from '../../src/io/contracts.js';
import { UART_8N1 } from '../../src/io/contracts.js';
import { openPty } from '../../src/platform/node/pty.js';
import { modemLine, NodeSerialPort, sttyFormat } from '../../src/platform/node/serial-port.js';
import { nodeTimer } from '../../src/platform/node/timer.js';
import { skipUnless } from './support/tools.js';

const skip = skipUnless('socat', 'stty');
const dir = mkdtempSync(path.join(tmpdir(), 'airboot-serial-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const E81: UartSettings = { baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 };

/** Bytes from a Node stream until `count` arrived. */
function collect(stream: NodeJS.ReadableStream, count: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      length += chunk.length;
      if (length >= count) {
        stream.off('data', onData);
        resolve(new Uint8Array(Buffer.concat(parts)));
      }
    };
    stream.on('data', onData);
  });
}

/** termios of a tty as `stty -a` prints it (opens the device a second time: the port must not be exclusive). */
function sttyAll(device: string): string {
  const result = spawnSync('stty', ['-F', device, '-a'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

test('sttyFormat: termios flags for each character format', () => {
  assert.deepEqual(sttyFormat(UART_8N1), ['cs8', '-parenb', '-cstopb']);
  assert.deepEqual(sttyFormat(E81), ['cs8', 'parenb', '-parodd', '-cmspar', '-cstopb']);
  assert.deepEqual(sttyFormat({ ...E81, dataBits: 7, parity: 'odd', stopBits: 2 }), [
    'cs7',
    'parenb',
    'parodd',
    '-cmspar',
    'cstopb',
  ]);
  assert.deepEqual(sttyFormat({ ...E81, parity: 'mark' }), ['cs8', 'parenb', 'parodd', 'cmspar', '-cstopb']);
  assert.deepEqual(sttyFormat({ ...E81, parity: 'space' }), [
    'cs8',
    'parenb',
    '-parodd',
    'cmspar',
    '-cstopb',
  ]);
});

test('NodeSerialPort.open: a missing device fails with SERIAL_OPEN, the path and a hint', async () => {
  await assert.rejects(
    NodeSerialPort.open('/dev/airboot-no-such-tty', E81),
    (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'SERIAL_OPEN');
      assert.match(error.message, /airboot-no-such-tty/);
      assert.match(error.hint ?? '', /device path/);
      return true;
    },
  );
});

test('NodeSerialPort over a pty: bytes both ways, reconfigure in the middle keeps order', {
  skip,
}, async () => {
  const pty = await openPty(path.join(dir, 'tty-data'));
  const port = await NodeSerialPort.open(pty.path, E81, { outputCapacity: 1024, exclusive: false });
  const channel = new ByteChannel(port.provider, E81, nodeTimer, { capacity: 32 * 1024 });
  try {
    const out = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 13) & 0xff);
    const arrived = collect(pty.input, out.length + 3);
    await channel.write(out.subarray(0, 10_000));
    // 8N2 at 57600: stty on our own descriptor (a pty keeps the stop bits, drops parity: tolerated).
    channel.configure({ baud: 57600, dataBits: 8, parity: 'none', stopBits: 2 });
    await channel.write(out.subarray(10_000));
    await channel.write(Uint8Array.of(1, 2, 3));
    const got = await arrived;
    assert.deepEqual(got.subarray(0, out.length), out);
    assert.deepEqual(Array.from(got.subarray(out.length)), [1, 2, 3]);
    const termios = sttyAll(pty.device);
    assert.match(termios, /speed 57600 baud/);
    assert.match(termios, /(^|\s)cstopb/);

    const back = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7 + 3) & 0xff);
    const reading = channel.readExactly(back.length, 5000);
    pty.output.write(back);
    assert.deepEqual(await reading, back);
  } finally {
    channel.close();
    await port.closeAsync();
    await pty.close();
  }
});

test('NodeSerialPort over a pty: DTR/RTS fail with SERIAL_LINES and a hint; a modemLine reports it via onError', {
  skip,
}, async () => {
  const pty = await openPty(path.join(dir, 'tty-lines'));
  const port = await NodeSerialPort.open(pty.path, E81);
  const errors: Error[] = [];
  port.provider({ ...E81, onError: (error) => errors.push(error) });
  try {
    await assert.rejects(
      port.setModemLines({ dtr: false }),
      (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, 'SERIAL_LINES');
        assert.match(error.hint ?? '', /--reset none/);
        return true;
      },
    );
    const nrst = modemLine(port, 'dtr');
    nrst.write(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error & { code?: string }).code, 'SERIAL_LINES');
  } finally {
    await port.closeAsync();
    await pty.close();
  }
});

test('modemLine: pin level ↔ modem state, active low, with invert', { skip }, async () => {
  const pty = await openPty(path.join(dir, 'tty-level'));
  const port = await NodeSerialPort.open(pty.path, E81);
  port.provider({ ...E81, onError: () => {} });
  try {
    const plain = modemLine(port, 'rts');
    const inverted = modemLine(port, 'dtr', { invert: true });
    // The OS asserts both lines on open: a plain line reads low, an inverted one high.
    assert.equal(plain.read(), 0);
    assert.equal(inverted.read(), 1);
    plain.write(1); // BOOT0 high = RTS de-asserted
    assert.equal(port.modemLines.rts, false);
    assert.equal(plain.read(), 1);
    inverted.write(0); // through an inverter, pin low = DTR de-asserted
    assert.equal(port.modemLines.dtr, false);
    assert.equal(inverted.read(), 0);
  } finally {
    await port.closeAsync();
    await pty.close();
  }
});

test('openPty: the link exists while open and is removed on close', { skip }, async () => {
  const link = path.join(dir, 'tty-life');
  const pty = await openPty(link);
  assert.equal(pty.path, link);
  assert.match(pty.device, /^\/dev\/pts\/\d+$/);
  assert.ok(existsSync(link));
  await pty.close();
  assert.equal(existsSync(link), false);
});

test('openPty: never replaces a regular file', async () => {
  const file = path.join(dir, 'precious.txt');
  writeFileSync(file, 'keep me');
  await assert.rejects(openPty(file), { code: 'PTY', message: /not a symlink/ });
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
});

test('openPty: without socat the error says how to get it', async () => {
  const saved = process.env.PATH;
  process.env.PATH = path.join(dir, 'empty-bin');
  try {
    await assert.rejects(
      openPty(path.join(dir, 'tty-nosocat')),
      (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, 'PTY');
        assert.match(error.hint ?? '', /apt install socat/);
        assert.match(error.hint ?? '', /--tcp/);
        return true;
      },
    );
  } finally {
    process.env.PATH = saved;
  }
});
