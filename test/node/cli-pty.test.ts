import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { airboot, intelHex, type RunningSim, randomBytes, startSim } from './support/cli.js';
import { skipUnless } from './support/tools.js';

// airboot's own serial-port path (node-serialport on a local tty) against `airboot sim --pty`: the device is a pty,
// so airboot must notice it has no modem lines and not drive BOOT0/NRST unless told to.
const skip = skipUnless('socat');
const dir = mkdtempSync(path.join(tmpdir(), 'airboot-cli-pty-'));
const tty = path.join(dir, 'ttySTM32');
let sim: RunningSim | undefined;

before(async () => {
  if (!skip) sim = await startSim(['--chip', 'G071RB', '--pty', tty, '--no-timing']);
});

after(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('airboot info over a pty: no modem lines are driven, the chip is identified', { skip }, async () => {
  const run = await airboot(['info', '--serial', tty, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const info = JSON.parse(run.stdout);
  assert.equal(info.chip.pid, '0x460');
  assert.equal(info.flash.kib, 128);
  assert.equal(info.left, 'still-in-bootloader');
});

test('airboot flash over a pty: written and verified with Get Checksum (protocol 3.3)', {
  skip,
}, async () => {
  const file = path.join(dir, 'app.hex');
  writeFileSync(file, intelHex(randomBytes(6000, 9), 0x0800_0000));
  const run = await airboot(['flash', file, '--serial', tty, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.verified, true);
  assert.equal(result.verifyMethod, 'checksum');
  assert.equal(result.chip.pid, 0x460);
});

test('asking for DTR reset on a pty: exit 3, says there are no modem lines and what to do', {
  skip,
}, async () => {
  const run = await airboot(['info', '--serial', tty, '--reset', 'dtr']);
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /^airboot: cannot set DTR\/RTS on /m);
  assert.match(run.stderr, /hint: .*--reset none/);
});
