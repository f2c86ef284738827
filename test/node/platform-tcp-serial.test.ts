import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { ByteChannel, WouldBlockError } from '../../src/io/byte-channel.js';
import { UART_8N1 } from '../../src/io/contracts.js';
import { SerialLink } from '../../src/io/serial-link.js';
import { parseTcpAddress, serveSerialOverTcp, TcpSerial } from '../../src/platform/node/tcp-serial.js';
import { nodeTimer } from '../../src/platform/node/timer.js';

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);
}

/** A far UART (ByteChannel on side b of a link) whose side a is served on a free TCP port. */
async function servedUart() {
  const link = new SerialLink(nodeTimer, { chunkBytes: 64 });
  const uart = new ByteChannel(link.b, UART_8N1, nodeTimer, { capacity: 64 * 1024 });
  const server = await serveSerialOverTcp({ provider: link.a, settings: UART_8N1, port: 0 });
  return { link, uart, server };
}

test('parseTcpAddress: tcp://host:port, IPv6 in brackets, nothing else', () => {
  assert.deepEqual(parseTcpAddress('tcp://127.0.0.1:4000'), { host: '127.0.0.1', port: 4000 });
  assert.deepEqual(parseTcpAddress('tcp://stm32.local:1234/'), { host: 'stm32.local', port: 1234 });
  assert.deepEqual(parseTcpAddress('tcp://[::1]:2217'), { host: '::1', port: 2217 });
  assert.equal(parseTcpAddress('/dev/ttyUSB0'), undefined);
  assert.equal(parseTcpAddress('tcp://host'), undefined);
  assert.equal(parseTcpAddress('tcp://host:0'), undefined);
  assert.equal(parseTcpAddress('tcp://host:70000'), undefined);
  assert.equal(parseTcpAddress('rfc2217://host:2217'), undefined);
});

test('TcpSerial + serveSerialOverTcp: 48 KiB each way, intact, through small bounded buffers', async () => {
  const { uart, server } = await servedUart();
  const client = await TcpSerial.connect('127.0.0.1', server.port, {
    outputCapacity: 512,
    inputCapacity: 1024,
  });
  const host = new ByteChannel(client.provider, UART_8N1, nodeTimer, { capacity: 64 * 1024 });
  try {
    const up = pattern(48 * 1024, 1);
    const down = pattern(48 * 1024, 2);
    const [atUart, atHost] = await Promise.all([
      uart.readExactly(up.length, 10_000),
      host.readExactly(down.length, 10_000),
      host.write(up),
      uart.write(down),
    ]);
    assert.deepEqual(atUart, up);
    assert.deepEqual(atHost, down);
  } finally {
    host.close();
    await server.close();
  }
});

test('TcpSerial: write() beyond the output capacity throws WouldBlockError with the room left', async () => {
  const { server } = await servedUart();
  const client = await TcpSerial.connect('127.0.0.1', server.port, { outputCapacity: 100 });
  try {
    client.provider({ ...UART_8N1 });
    assert.equal(client.write(new Uint8Array(60)), 40);
    assert.throws(
      () => client.write(new Uint8Array(41)),
      (error: unknown) =>
        error instanceof WouldBlockError && error.room === 40 && error.code === 'WOULD_BLOCK',
    );
    assert.equal(client.write(new Uint8Array(40)), 0);
  } finally {
    client.close();
    await server.close();
  }
});

test('serveSerialOverTcp: one client at a time; a second one is told the port is busy', async () => {
  const { server } = await servedUart();
  const first = await TcpSerial.connect('127.0.0.1', server.port);
  first.provider({ ...UART_8N1 });
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      const second = net.connect(server.port, '127.0.0.1');
      let text = '';
      second.on('data', (chunk) => {
        text += chunk.toString();
      });
      second.on('close', () => resolve(text));
      second.on('error', reject);
    });
    assert.match(reply, /busy/);
  } finally {
    first.close();
    await server.close();
  }
});

test('TcpSerial.connect: nobody listening → SERIAL_CONNECT with a hint', async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await assert.rejects(
    TcpSerial.connect('127.0.0.1', port),
    (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'SERIAL_CONNECT');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.ok(error.hint);
      return true;
    },
  );
});

test('TcpSerial: the far end closing fails a pending read with SERIAL_DISCONNECTED', async () => {
  const { server } = await servedUart();
  const client = await TcpSerial.connect('127.0.0.1', server.port);
  const host = new ByteChannel(client.provider, UART_8N1, nodeTimer);
  const read = host.readExactly(4, 5000);
  await server.close();
  await assert.rejects(read, { code: 'SERIAL_DISCONNECTED' });
});
