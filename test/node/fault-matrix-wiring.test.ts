/**
 * Fault matrix, wiring and target state (issue 6 part 3): BOOT0 or NRST not wired, target unpowered, a bootloader
 * baud the chip cannot measure, readout protection. The service must say what to check ("the chip did not answer
 * 0x7F — check BOOT0/NRST wiring and the UART pins"), leave the chip's flash as it was, and flash it once the cause
 * is fixed. Each case uses its own service and chip.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaultRig, FaultRigOptions } from './support/fault-rig.js';
import { firmware, messageOf, startFaultRig, upload } from './support/fault-rig.js';

const IMAGE_BYTES = 4096;
const DIAGNOSIS = /the chip did not answer 0x7F .*— check BOOT0\/NRST wiring and the UART pins/;

/** Run `body` with a fresh rig, closed afterwards whatever happens. */
async function withRig(options: FaultRigOptions, body: (rig: FaultRig) => Promise<void>): Promise<void> {
  const rig = await startFaultRig(options);
  try {
    await body(rig);
  } finally {
    rig.close();
  }
}

/** Flash fails with the wiring diagnosis and leaves the flash as it was; after `fix`, the same image flashes. */
async function failsThenRecovers(
  rig: FaultRig,
  label: string,
  fix: () => void | Promise<void>,
): Promise<void> {
  const image = firmware(label, IMAGE_BYTES);
  const before = rig.flashBytes(IMAGE_BYTES);
  const failed = await upload(rig.base, image);
  assert.equal(failed.status, 500, messageOf(failed));
  assert.equal(failed.body.state, 'failed');
  assert.match(messageOf(failed), DIAGNOSIS);
  assert.deepEqual(rig.flashBytes(IMAGE_BYTES), before, 'the chip was not touched');

  await fix();
  const again = await upload(rig.base, image);
  assert.equal(again.status, 200, messageOf(again));
  assert.equal(again.body.result?.verified, true);
  assert.deepEqual(rig.flashBytes(IMAGE_BYTES), image, 'the chip holds the image');
}

test('fault: BOOT0 not wired → "did not answer 0x7F — check BOOT0/NRST wiring"; wired, the next flash succeeds', {
  timeout: 90_000,
}, async () => {
  await withRig({ boot0: false }, (rig) => failsThenRecovers(rig, 'boot0', () => rig.wires.boot0.connect()));
});

test('fault: NRST not wired → the same diagnosis; wired, the next flash succeeds', {
  timeout: 90_000,
}, async () => {
  await withRig({ nrst: false }, (rig) => failsThenRecovers(rig, 'nrst', () => rig.wires.nrst.connect()));
});

test('fault: target unpowered → the same diagnosis (it names power too); powered, the next flash succeeds', {
  timeout: 90_000,
}, async () => {
  await withRig({ powered: false }, async (rig) => {
    const image = firmware('unpowered', IMAGE_BYTES);
    const failed = await upload(rig.base, image);
    assert.equal(failed.status, 500, messageOf(failed));
    assert.match(messageOf(failed), DIAGNOSIS);
    assert.match(messageOf(failed), /powered/);
    rig.chip.powerOn();
    const again = await upload(rig.base, image);
    assert.equal(again.status, 200, messageOf(again));
    assert.deepEqual(rig.flashBytes(IMAGE_BYTES), image);
  });
});

test('fault: a bootloader baud the chip does not hear → the diagnosis names the baud rate; corrected, the next flash succeeds', {
  timeout: 90_000,
}, async () => {
  await withRig({ autobaud: false, settings: { 'bootloader.baud': 57600 } }, async (rig) => {
    const failed = await upload(rig.base, firmware('baud', IMAGE_BYTES));
    assert.match(messageOf(failed), /the baud rate/);
    await failsThenRecovers(rig, 'baud', async () => {
      assert.deepEqual(rig.settings.update({ 'bootloader.baud': 115200 }), undefined);
      await rig.restart();
    });
    assert.ok(rig.link.stats.aToB.baudMismatches > 0, 'the chip really received garbled characters');
  });
});

test('fault: readout-protected chip → 500 READOUT_PROTECTED saying how to proceed; nothing erased, nothing claimed', {
  timeout: 90_000,
}, async () => {
  await withRig({ protected: true }, async (rig) => {
    const before = rig.flashBytes(IMAGE_BYTES);
    const image = firmware('protected', IMAGE_BYTES);
    const failed = await upload(rig.base, image);
    assert.equal(failed.status, 500, messageOf(failed));
    assert.equal(failed.body.state, 'failed');
    assert.match(messageOf(failed), /^READOUT_PROTECTED: .*readout protection is on.*unprotect/);
    assert.ok(rig.chip.readoutProtected, 'protection is lifted only on request');
    assert.deepEqual(rig.flashBytes(IMAGE_BYTES), before, 'nothing was erased');
    assert.equal(rig.chip.stats.massErases, 0);
  });
});
