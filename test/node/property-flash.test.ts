/**
 * The flasher's promise as a property (issue 6: "never a wrong image reported as success"): for any image and any
 * schedule of UART faults the simulated chip can commit — answer bytes lost, bits flipped, answers late, commands
 * refused, the chip silent for a while — a flash either ends verified with the chip's flash holding exactly the
 * image (old content elsewhere), or fails with one of the flasher's own errors; and after a failure, the same chip
 * flashes correctly once the faults stop. Runs on a VirtualClock (src/sim, portable), so a run takes milliseconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MemoryImage } from '../../src/image/memory-image.js';
import { BootloaderError } from '../../src/stm32/errors.js';
import { flash } from '../../src/stm32/flasher.js';
import { dirtyFlash, expectFlash, type SimRig, simRig } from '../portable/stm32/sim-rig.js';
import { fuzzParameters } from './support/fuzz-budget.js';

const FLASH_BASE = 0x0800_0000;
/** Images stay in the first 16 KiB of the F103C8's 64 KiB (16 pages of 1 KiB), so a run is quick. */
const SPAN = 16 * 1024;

/**
 * The errors a failed flash may end in: each one a message for the user, none a success. READOUT_PROTECTED: Read
 * Memory refused again on its retry is how a protected chip looks (AN3155 §3.4), so refusals injected twice in a row
 * are taken for it — a wrong guess, but a loud one that touches nothing.
 */
const FAILURE_CODES = new Set(['NACK', 'TIMEOUT', 'PROTOCOL', 'VERIFY', 'WRITE', 'READOUT_PROTECTED']);

/** 1–3 non-overlapping segments of 1–2000 bytes at any (byte) offset in SPAN. */
const images = fc
  .array(fc.tuple(fc.nat({ max: 3000 }), fc.uint8Array({ minLength: 1, maxLength: 2000 })), {
    minLength: 1,
    maxLength: 3,
  })
  .map((parts) => {
    const segments: Array<{ address: number; data: Uint8Array }> = [];
    let offset = 0;
    for (const [gap, data] of parts) {
      offset += gap;
      if (offset + data.length > SPAN) break;
      segments.push({ address: FLASH_BASE + offset, data });
      offset += data.length;
    }
    return segments.length > 0 ? segments : [{ address: FLASH_BASE, data: parts[0]![1] }];
  });

type Fault =
  | { kind: 'drop'; count: number }
  | { kind: 'corrupt' }
  | { kind: 'delay'; ms: number }
  | { kind: 'nack'; command: number; times: number }
  | { kind: 'mute'; ms: number };

const faults: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('corrupt' as const) }),
  fc.record({ kind: fc.constant('delay' as const), ms: fc.integer({ min: 50, max: 3000 }) }),
  fc.record({
    kind: fc.constant('nack' as const),
    // Get, Get ID, Read Memory, Write Memory, Erase: what a flash of an F103 sends.
    command: fc.constantFrom(0x00, 0x02, 0x11, 0x31, 0x43),
    times: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('mute' as const), ms: fc.integer({ min: 100, max: 4000 }) }),
);

/** Faults, each fired right after the host's n-th write to the wire (any frame of any exchange). */
const schedules = fc.array(fc.tuple(fc.nat({ max: 300 }), faults), { maxLength: 4 });

function inject(rig: SimRig, fault: Fault): void {
  const plan = rig.sim.faults;
  switch (fault.kind) {
    case 'drop':
      plan.dropNextAnswerBytes(fault.count);
      return;
    case 'corrupt':
      plan.corruptNextAnswerByte();
      return;
    case 'delay':
      plan.delayNextAnswer(fault.ms);
      return;
    case 'nack':
      plan.nackNext(fault.command, fault.times);
      return;
    case 'mute':
      plan.muted = true;
      rig.clock.set(() => {
        plan.muted = false;
      }, fault.ms);
  }
}

/**
 * Fire the schedule's faults as the host writes: the n-th write (counted from 0) triggers those scheduled at n.
 * Returns the function that stops it.
 */
function armSchedule(rig: SimRig, schedule: ReadonlyArray<readonly [number, Fault]>): () => void {
  const channel = rig.channel;
  const write = channel.write;
  let writes = 0;
  channel.write = (bytes) => {
    const sent = write.call(channel, bytes);
    for (const [at, fault] of schedule) if (at === writes) inject(rig, fault);
    writes++;
    return sent;
  };
  return () => {
    channel.write = write;
  };
}

test('property: under any UART fault schedule a flash is verified with the image in flash, or fails loudly and the next flash succeeds', async () => {
  await fc.assert(
    fc.asyncProperty(images, schedules, async (segments, schedule) => {
      const rig = simRig('F103C8');
      const before = dirtyFlash(rig);
      const image = MemoryImage.fromSegments(segments);
      const disarm = armSchedule(rig, schedule);
      let failed: unknown;
      try {
        const result = await rig.clock.run(flash(rig.bootloader, image));
        assert.equal(result.verified, true);
        expectFlash(rig, image, before);
      } catch (error) {
        failed = error;
      }
      disarm();
      if (failed === undefined) return;
      assert.ok(failed instanceof BootloaderError, `not a flasher error: ${String(failed)}`);
      assert.ok(FAILURE_CODES.has(failed.code), `unexpected code ${failed.code}: ${failed.message}`);
      assert.ok(failed.message.length > 20, 'the message says something');

      // The faults stop; the same chip, in whatever state the failure left it, takes the image.
      rig.sim.faults.clear();
      const result = await rig.clock.run(flash(rig.bootloader, image));
      assert.equal(result.verified, true);
      expectFlash(rig, image, before);
    }),
    fuzzParameters(150),
  );
});
