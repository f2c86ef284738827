import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { stm32Crc32 } from '../../src/image/crc32.js';
import { airboot, intelHex, type RunningSim, randomBytes, startSim } from './support/cli.js';

// One simulated F103C8 (64 KiB, 1 KiB pages) on a free TCP port for the whole file; the tests run in order and the
// last one reads the simulator's statistics to prove what did and did not reach the chip.
const dir = mkdtempSync(path.join(tmpdir(), 'airboot-cli-'));
const FLASH = 0x0800_0000;
const FLASH_BYTES = 64 * 1024;
const image = randomBytes(8 * 1024, 0x5eed);
const goodHex = path.join(dir, 'good.hex');
const badHex = path.join(dir, 'bad.hex');
let sim: RunningSim;
let serial: string;
let writesFromGoodFlash = 0;

before(async () => {
  writeFileSync(goodHex, intelHex(image, FLASH));
  // Line 3 (the second data record) gets a wrong checksum: the classic "one bad byte in a HEX file".
  const lines = intelHex(image, FLASH).split('\n');
  const third = lines[2]!;
  const wrong = ((Number.parseInt(third.slice(-2), 16) + 1) & 0xff)
    .toString(16)
    .padStart(2, '0')
    .toUpperCase();
  lines[2] = third.slice(0, -2) + wrong;
  writeFileSync(badHex, lines.join('\n'));
  sim = await startSim(['--chip', 'F103C8', '--tcp', '0', '--no-timing']);
  serial = `tcp://127.0.0.1:${sim.listening.port}`;
});

after(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('airboot flash FILE.hex --serial tcp:// --json: written and verified, exit 0', async () => {
  const run = await airboot(['flash', goodHex, '--serial', serial, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'exactly one JSON result on stdout');
  const result = JSON.parse(lines[0]!);
  assert.equal(result.ok, true);
  assert.equal(result.verified, true);
  assert.equal(result.chip.pid, 0x410);
  assert.equal(result.chip.flashBytes, FLASH_BYTES);
  assert.equal(result.bytesWritten, image.length);
  assert.equal(result.unitsErased, image.length / 1024);
  assert.equal(result.format.length > 0, true);
  // No reset line over TCP: the chip stays in its bootloader, and the result says so.
  assert.equal(result.left, 'still-in-bootloader');
  writesFromGoodFlash = image.length / 256;
});

test('airboot info --json: chip, PID, bootloader version, flash size, unique ID', async () => {
  const run = await airboot(['info', '--serial', serial, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const info = JSON.parse(run.stdout);
  assert.equal(info.chip.pid, '0x410');
  assert.match(info.chip.name, /medium density/);
  assert.equal(info.bootloaderVersion, '2.2');
  assert.equal(info.flash.kib, 64);
  assert.equal(info.flash.base, '0x08000000');
  assert.match(info.uniqueId, /^[0-9a-f]{24}$/);
  const text = await airboot(['info', '--serial', serial]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /PID 0x410/);
  assert.match(text.stdout, /64 KiB at 0x08000000/);
});

test('airboot flash with a malformed HEX: exit 2, the message names line 3, nothing is sent', async () => {
  const connectionsBefore = countConnections(sim.stderr());
  const run = await airboot(['flash', badHex, '--serial', serial]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^airboot: .*line 3/m);
  assert.equal(countConnections(sim.stderr()), connectionsBefore, 'the port was never opened');
  const json = await airboot(['flash', badHex, '--serial', serial, '--json']);
  assert.equal(json.code, 2);
  const result = JSON.parse(json.stdout);
  assert.equal(result.ok, false);
  assert.match(result.error.message, /line 3/);
});

test('airboot flash --no-verify: exit 0, verified:false, and a warning', async () => {
  const run = await airboot([
    'flash',
    goodHex,
    '--serial',
    serial,
    '--json',
    '--no-verify',
    '--skip-unchanged',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.verified, false);
  assert.equal(result.verifyMethod, 'none');
  // No reset line over TCP, so no way back should code in RAM fail: the pages are read back, nothing runs in RAM.
  assert.equal(result.compareMethod, 'read-back');
  // The same image is already there: every page is skipped, nothing written.
  assert.equal(result.unitsSkipped, image.length / 1024);
  assert.equal(result.bytesWritten, 0);
  assert.match(run.stderr, /NOT verified/);
});

test('airboot flash: an image larger than the chip is refused before any erase (exit 2)', async () => {
  const big = path.join(dir, 'big.bin');
  writeFileSync(big, randomBytes(FLASH_BYTES + 1024, 7));
  const run = await airboot(['flash', big, '--serial', serial]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /outside the flash/);
});

test('the simulator saw only the good flash: its writes, and flash CRC = image + erased cells', async () => {
  const { code, stopped } = await sim.stop();
  assert.equal(code, 0);
  assert.ok(stopped, 'the simulator reported its statistics');
  const stats = stopped.stats as {
    commands: Record<string, number>;
    flashCrc: string;
    massErases: number;
    unitsErased: number;
  };
  assert.equal(stats.commands['Write Memory'], writesFromGoodFlash);
  assert.equal(stats.unitsErased, image.length / 1024);
  assert.equal(stats.massErases, 0);
  const expected = new Uint8Array(FLASH_BYTES).fill(0xff);
  expected.set(image);
  assert.equal(stats.flashCrc, `0x${stm32Crc32(expected).toString(16).padStart(8, '0')}`);
});

function countConnections(stderr: string): number {
  return stderr.split('\n').filter((line) => / connected$/.test(line)).length;
}
