/**
 * Fault matrix through the command line (issue 6 part 3): `airboot flash --serial tcp://…` against `airboot sim`
 * (a child process) for a readout-protected chip, a chip that is not in its bootloader (BOOT0 not strapped), and a
 * TCP link to the chip cut in the middle of the write (the WiFi model, bench/wifi-link.ts). What the chip holds
 * afterwards is read from the simulator's own statistics (flash CRC over the whole flash) when it stops.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { startWifiLink } from '../../bench/wifi-link.js';
import { stm32Crc32 } from '../../src/image/crc32.js';
import { airboot, intelHex, type RunningSim, randomBytes, startSim } from './support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'airboot-fault-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FLASH = 0x0800_0000;
const FLASH_BYTES = 64 * 1024;
const image = randomBytes(8 * 1024, 0xfa17);
const hexFile = path.join(dir, 'app.hex');
writeFileSync(hexFile, intelHex(image, FLASH));

/** `0x…` CRC the simulator reports when its 64 KiB flash holds `content` at the base and is erased elsewhere. */
function flashCrcOf(content: Uint8Array): string {
  const whole = new Uint8Array(FLASH_BYTES).fill(0xff);
  whole.set(content);
  return `0x${stm32Crc32(whole).toString(16).padStart(8, '0')}`;
}

interface SimStats {
  flashCrc: string;
  massErases: number;
  commands: Record<string, number>;
}

/** Run `body` against the simulator, stop it whatever happens, and return its statistics. */
async function withSim(sim: RunningSim, body: () => Promise<void>): Promise<SimStats> {
  let failure: unknown;
  try {
    await body();
  } catch (error) {
    failure = error;
  }
  const stop = await sim.stop();
  if (failure) throw failure;
  assert.equal(stop.code, 0);
  assert.ok(stop.stopped, 'the simulator reported its statistics');
  return stop.stopped.stats as SimStats;
}

test('fault: readout-protected chip → exit 1 saying so and how (--unprotect); flashed only with --unprotect', {
  timeout: 90_000,
}, async () => {
  const sim = await startSim(['--chip', 'F103C8', '--tcp', '0', '--no-timing', '--protected']);
  assert.equal(sim.listening.readoutProtected, true);
  const serial = `tcp://127.0.0.1:${sim.listening.port}`;
  const stats = await withSim(sim, async () => {
    const refused = await airboot(['flash', hexFile, '--serial', serial]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /^airboot: .*readout protection is on/m);
    assert.match(refused.stderr, /hint: run again with --unprotect/);
    assert.doesNotMatch(refused.stdout + refused.stderr, /verified/);

    const flashed = await airboot(['flash', hexFile, '--serial', serial, '--unprotect', '--json']);
    assert.equal(flashed.code, 0, flashed.stderr);
    assert.equal(JSON.parse(flashed.stdout.trim()).verified, true);
  });
  // Readout Unprotect is a mass erase, once, and only on request: the refused run erased nothing.
  assert.equal(stats.massErases, 1);
  assert.equal(stats.flashCrc, flashCrcOf(image));
});

test('fault: chip running its application (BOOT0 not strapped) → exit 4, "did not answer 0x7F — check BOOT0/NRST wiring"', {
  timeout: 90_000,
}, async () => {
  const sim = await startSim(['--chip', 'F103C8', '--tcp', '0', '--no-timing', '--boot', 'app']);
  const stats = await withSim(sim, async () => {
    const run = await airboot(['flash', hexFile, '--serial', `tcp://127.0.0.1:${sim.listening.port}`], {
      timeoutMs: 30_000,
    });
    assert.equal(run.code, 4, run.stderr);
    assert.match(
      run.stderr,
      /^airboot: .*the chip did not answer 0x7F .*— check BOOT0\/NRST wiring and the UART pins/m,
    );
    assert.match(run.stderr, /hint: .*BOOT0/);
  });
  assert.equal(stats.commands['Write Memory'] ?? 0, 0, 'nothing was written');
});

test('fault: the TCP link to the chip cut mid-write → exit 3 "connection was lost"; the next flash re-syncs the chip left mid-frame and succeeds', {
  timeout: 90_000,
}, async () => {
  const sim = await startSim(['--chip', 'F103C8', '--tcp', '0', '--timing']);
  // Sync, Get, Get ID and the erase are a few dozen bytes; 3000 bytes upstream is in the middle of the write.
  const link = await startWifiLink({
    target: { host: '127.0.0.1', port: sim.listening.port as number },
    rttMs: 2,
    cutAfterBytes: { upstream: 3000 },
  });
  const stats = await withSim(sim, async () => {
    try {
      const cut = await airboot(['flash', hexFile, '--serial', `tcp://127.0.0.1:${link.port}`]);
      assert.equal(link.stats.cuts, 1, 'the link was cut');
      assert.equal(cut.code, 3, cut.stderr);
      assert.match(cut.stderr, /^airboot: tcp:\/\/127\.0\.0\.1:\d+: the connection was lost/m);
      assert.match(cut.stderr, /hint: .*partial image: flash again/);
      assert.match(cut.stderr, /write: /, 'the write had begun');
      assert.doesNotMatch(cut.stdout, /verified/);
    } finally {
      await link.close();
    }
    // The chip still waits for the rest of the cut Write Memory frame: the next flash must get it out of there.
    const again = await airboot([
      'flash',
      hexFile,
      '--serial',
      `tcp://127.0.0.1:${sim.listening.port}`,
      '--json',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout.trim()).verified, true);
  });
  assert.equal(stats.flashCrc, flashCrcOf(image));
});
