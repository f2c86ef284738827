/**
 * Fault matrix, UART faults (issue 6 part 3): bit errors, lost bytes and late bytes injected by the simulated chip
 * in the middle of a flash job run by the real service over HTTP. Each ends either in a verified success whose
 * flash is byte for byte the image, or in a loud failure (500, state 'failed', a message naming what happened) that
 * a following flash recovers from. Never a success with a wrong image.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FaultRig, UploadAnswer } from './support/fault-rig.js';
import { firmware, messageOf, startFaultRig, upload } from './support/fault-rig.js';

let rig: FaultRig;

before(async () => {
  rig = await startFaultRig();
});

after(() => rig.close());

const IMAGE_BYTES = 6 * 1024;

/** A success must be verified and the chip must hold exactly the image: the check the matrix never skips. */
function assertFlashed(answer: UploadAnswer, image: Uint8Array): void {
  assert.equal(answer.status, 200, messageOf(answer));
  assert.equal(answer.body.state, 'succeeded');
  assert.equal(answer.body.result?.verified, true);
  assert.deepEqual(rig.flashBytes(image.length), image, 'the chip holds the image');
}

/** Upload `image` with `fault` injected once the write phase has passed `afterBytes`. */
async function flashWithFault(image: Uint8Array, phase: string, afterBytes: number, fault: () => void) {
  let fired = false;
  rig.onProgress(
    (record) => record.progress?.phase === phase && record.progress.done >= afterBytes,
    () => {
      fired = true;
      fault();
    },
  );
  const answer = await upload(rig.base, image);
  assert.ok(fired, `the fault was injected during ${phase}`);
  return answer;
}

test('fault: a bit error in an ACK mid-write → the block is retried, verified, the chip holds the image', {
  timeout: 90_000,
}, async () => {
  const image = firmware('bit error', IMAGE_BYTES);
  const before = rig.chip.faults.injected.corruptedBytes;
  const answer = await flashWithFault(image, 'write', 2048, () => rig.chip.faults.corruptNextAnswerByte());
  assert.equal(rig.chip.faults.injected.corruptedBytes, before + 1);
  assertFlashed(answer, image);
});

test('fault: a bit error during read-back verify → retried, never taken for good or bad flash', {
  timeout: 90_000,
}, async () => {
  const image = firmware('verify bit error', IMAGE_BYTES);
  const before = rig.chip.faults.injected.corruptedBytes;
  // The damaged byte is the next one the chip sends during read-back: an ACK of the next Read Memory, which must
  // be retried, not read as a refusal or as flash content.
  const answer = await flashWithFault(image, 'verify', 1024, () => rig.chip.faults.corruptNextAnswerByte());
  assert.equal(rig.chip.faults.injected.corruptedBytes, before + 1);
  assertFlashed(answer, image);
});

test('fault: answer bytes lost mid-write → re-sync, retry, verified, the chip holds the image', {
  timeout: 90_000,
}, async () => {
  const image = firmware('lost bytes', IMAGE_BYTES);
  const before = rig.chip.faults.injected.droppedBytes;
  const answer = await flashWithFault(image, 'write', 3072, () => rig.chip.faults.dropNextAnswerBytes(2));
  assert.equal(rig.chip.faults.injected.droppedBytes, before + 2);
  assertFlashed(answer, image);
});

test('fault: an answer later than its timeout mid-write → drained, retried, verified, the chip holds the image', {
  timeout: 90_000,
}, async () => {
  const image = firmware('late bytes', IMAGE_BYTES);
  const before = rig.chip.faults.injected.delayedAnswers;
  // Write Memory waits 1000 ms (+ wire time) for its ACK: 1500 ms is late, and the late ACK must not be taken for
  // the answer to a later frame.
  const answer = await flashWithFault(image, 'write', 1024, () => rig.chip.faults.delayNextAnswer(1500));
  assert.equal(rig.chip.faults.injected.delayedAnswers, before + 1);
  assertFlashed(answer, image);
});

test('fault: Write Memory refused more often than the retries → 500 naming the command and address; next flash succeeds', {
  timeout: 90_000,
}, async () => {
  const image = firmware('refused', IMAGE_BYTES);
  const failed = await flashWithFault(image, 'write', 2048, () => rig.chip.faults.nackNext(0x31, 4));
  assert.equal(failed.status, 500, messageOf(failed));
  assert.equal(failed.body.state, 'failed');
  assert.match(
    messageOf(failed),
    /^NACK: Write Memory at 0x080008[0-9a-f]{2} \(\w+\): the bootloader answered NACK/,
  );
  assert.notDeepEqual(
    rig.flashBytes(image.length),
    image,
    'the image is not (all) there: no success was claimed',
  );

  const again = await upload(rig.base, image);
  assertFlashed(again, image);
});

test('fault: the chip goes silent mid-write (TX broken) → 500 saying it did not answer; mended, the next flash succeeds', {
  timeout: 90_000,
}, async () => {
  const image = firmware('silent', IMAGE_BYTES);
  const failed = await flashWithFault(image, 'write', 2048, () => {
    rig.chip.faults.muted = true;
  });
  rig.chip.faults.muted = false;
  assert.equal(failed.status, 500, messageOf(failed));
  assert.equal(failed.body.state, 'failed');
  assert.match(
    messageOf(failed),
    /^TIMEOUT: .*the chip did not answer 0x7F .*— check BOOT0\/NRST wiring and the UART pins/,
  );

  const again = await upload(rig.base, image);
  assertFlashed(again, image);
});
