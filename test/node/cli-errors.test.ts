import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { airboot, intelHex, randomBytes, startSim } from './support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'airboot-cli-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const goodHex = path.join(dir, 'good.hex');
writeFileSync(goodHex, intelHex(randomBytes(1024, 3), 0x0800_0000));

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('airboot --help lists the commands and the exit codes; exit 0', async () => {
  const run = await airboot(['--help']);
  assert.equal(run.code, 0);
  for (const command of ['flash', 'info', 'sim']) assert.match(run.stdout, new RegExp(`\\b${command}\\b`));
  assert.match(run.stdout, /Exit codes:/);
  assert.match(run.stdout, /5 +verification failed/);
});

test('usage errors exit 2: unknown command, missing argument or --serial, bad values, --address on a HEX', async () => {
  for (const args of [
    ['frobnicate'],
    ['flash'],
    ['flash', goodHex],
    ['flash', goodHex, '--serial', 'tcp://127.0.0.1:1', '--baud', 'fast'],
    ['flash', goodHex, '--serial', 'tcp://127.0.0.1:1', '--boot0', 'cts'],
    ['flash', goodHex, '--address', '0x08004000', '--serial', 'tcp://127.0.0.1:1'],
    ['sim'],
    ['sim', '--tcp', '0', '--pty', path.join(dir, 'tty')],
  ]) {
    const run = await airboot(args);
    assert.equal(run.code, 2, `airboot ${args.join(' ')}: ${run.stderr}`);
    assert.ok(run.stderr.length > 0, `airboot ${args.join(' ')} explains itself`);
  }
});

test('a missing file is reported before any connection is tried (exit 2)', async () => {
  const run = await airboot([
    'flash',
    path.join(dir, 'nope.hex'),
    '--serial',
    `tcp://127.0.0.1:${await closedPort()}`,
  ]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^airboot: cannot read .*nope\.hex: no such file/m);
});

test('modem lines asked for on tcp:// are a usage error (exit 2) with a hint', async () => {
  const run = await airboot(['flash', goodHex, '--serial', 'tcp://127.0.0.1:1', '--reset', 'dtr']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /no modem lines/);
  assert.match(run.stderr, /hint: use --reset none/);
});

test('nobody at the address / no such device: exit 3 with a hint', async () => {
  const refused = await airboot(['info', '--serial', `tcp://127.0.0.1:${await closedPort()}`]);
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /^airboot: cannot connect to tcp:\/\/127\.0\.0\.1:\d+/m);
  assert.match(refused.stderr, /hint: /);
  const missing = await airboot(['info', '--serial', '/dev/airboot-no-such-tty']);
  assert.equal(missing.code, 3, missing.stderr);
  assert.match(missing.stderr, /cannot open \/dev\/airboot-no-such-tty/);
  assert.match(missing.stderr, /hint: check the device path/);
});

test('a target that never answers: exit 4, after the sync attempts, with a wiring hint', async () => {
  const silent = net.createServer((socket) => socket.on('data', () => {}));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const port = (silent.address() as net.AddressInfo).port;
    const run = await airboot(['info', '--serial', `tcp://127.0.0.1:${port}`], { timeoutMs: 30_000 });
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stderr, /^airboot: Sync .*no answer/m);
    assert.match(run.stderr, /hint: .*BOOT0/);
  } finally {
    silent.close();
  }
});

test('airboot sim: unknown chip → exit 2 naming the known ones; a regular file as --pty → exit 3', async () => {
  const chip = await airboot(['sim', '--chip', 'F999ZZ', '--tcp', '0']);
  assert.equal(chip.code, 2, chip.stderr);
  assert.match(chip.stderr, /F999ZZ/);
  assert.match(chip.stderr, /F103C8/);
  const file = path.join(dir, 'not-a-link');
  writeFileSync(file, 'data');
  const pty = await airboot(['sim', '--pty', file]);
  assert.equal(pty.code, 3, pty.stderr);
  assert.match(pty.stderr, /not a symlink/);
});

test('Ctrl-C in the middle of a write: exit 130, and the chip answers the next command', async () => {
  const sim = await startSim(['--chip', 'F103C8', '--tcp', '0', '--timing']);
  try {
    const serial = `tcp://127.0.0.1:${sim.listening.port}`;
    const file = path.join(dir, 'big.bin');
    writeFileSync(file, randomBytes(32 * 1024, 5));
    const run = await airboot(['flash', file, '--serial', serial], {
      interrupt: { pattern: /write: 25%/, signal: 'SIGINT' },
    });
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /^airboot: flash cancelled/m);
    const info = await airboot(['info', '--serial', serial, '--json']);
    assert.equal(info.code, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout).chip.pid, '0x410');
  } finally {
    await sim.stop();
  }
});
