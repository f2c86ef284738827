/**
 * The flash job against the simulator: options (skipUnchanged, eraseAll, go, unprotect), progress, the least
 * traffic, and every fault the simulator can inject — each ends either in a verified success with the right flash
 * or in a loud error, never in a success with wrong flash.
 */

import { MemoryImage } from '../../../src/image/memory-image.js';
import { CancelToken } from '../../../src/stm32/cancel.js';
import { FLASH_BASE } from '../../../src/stm32/chips.js';
import {
  type FlashOptions,
  type FlashProgress,
  type FlashResult,
  flash,
} from '../../../src/stm32/flasher.js';
import { deepEqual, equal, ok, rejects } from '../assert.js';
import { test } from '../harness.js';
import { pattern } from './bytes.js';
import { dirtyFlash, expectFlash, type SimRig, simRig } from './sim-rig.js';

const KiB = 1024;

/** 3 KiB from the flash base plus 100 bytes in page 10: four 1 K pages on an F103. */
function smallImage(seed = 7): MemoryImage {
  return MemoryImage.fromSegments([
    { address: FLASH_BASE, data: pattern(3 * KiB, seed) },
    { address: FLASH_BASE + 10 * KiB + 8, data: pattern(100, seed + 1) },
  ]);
}

/** Run `flash`, and when it succeeds, prove the flash holds the image. */
async function flashAndCheck(
  rig: SimRig,
  image: MemoryImage,
  options: FlashOptions = {},
  before = dirtyFlash(rig),
): Promise<FlashResult> {
  const result = await rig.clock.run(flash(rig.bootloader, image, options));
  ok(result.verified, 'reported verified');
  expectFlash(rig, image, before);
  return result;
}

/** Call `arm` once, when the write phase has written at least `afterBytes`. */
function duringWrite(afterBytes: number, arm: () => void): (event: FlashProgress) => void {
  let armed = false;
  return (event) => {
    if (!armed && event.phase === 'write' && event.done >= afterBytes) {
      armed = true;
      arm();
    }
  };
}

test('flash sends the least traffic: no Get Version, one erase, one write and one read per block', async () => {
  const rig = simRig('F103C8');
  await flashAndCheck(rig, smallImage());
  const blocks = 3 * 4 + 1; // 3 KiB in 256-byte blocks, plus one block for the 100 bytes
  deepEqual(rig.sim.stats.commands, {
    Sync: 1,
    Get: 1,
    'Get ID': 1,
    'Read Memory': 1 + blocks, // flash-size register, then read-back verify
    Erase: 1,
    'Write Memory': blocks,
  });
});

test('checksum verify: one Get Checksum per contiguous written range', async () => {
  const rig = simRig('G071RB');
  const result = await flashAndCheck(rig, smallImage());
  equal(result.verifyMethod, 'checksum');
  equal(rig.sim.stats.commands['Get Checksum'], 2);
  equal(rig.sim.stats.commands['Read Memory'], 1);
});

for (const model of ['F103C8', 'G071RB']) {
  test(`skipUnchanged on ${model}: equal units are neither erased nor written, changed ones are`, async () => {
    const rig = simRig(model);
    const image = smallImage();
    const before = dirtyFlash(rig);
    const first = await flashAndCheck(rig, image, {}, before);
    ok(first.unitsErased > 0);
    const writes = rig.sim.stats.commands['Write Memory'];
    const erased = rig.sim.stats.unitsErased;

    const again = await flashAndCheck(rig, image, { skipUnchanged: true }, before);
    equal(again.unitsErased, 0);
    equal(again.unitsSkipped, first.unitsErased);
    equal(again.bytesWritten, 0);
    equal(rig.sim.stats.commands['Write Memory'], writes, 'no Write Memory sent');
    equal(rig.sim.stats.unitsErased, erased, 'no unit erased');

    // Change one byte in the second segment: only its unit is erased and written again.
    const changed = MemoryImage.fromSegments([
      image.segments[0]!,
      { ...image.segments[1]!, data: pattern(100, 42) },
    ]);
    const third = await flashAndCheck(rig, changed, { skipUnchanged: true }, before);
    equal(third.unitsErased, 1);
    equal(third.unitsSkipped, first.unitsErased - 1);
    equal(rig.sim.stats.programmingViolations, 0);
  });
}

test('eraseAll: one mass erase, old content everywhere gone', async () => {
  const rig = simRig('F103C8');
  dirtyFlash(rig);
  const image = smallImage();
  const result = await rig.clock.run(flash(rig.bootloader, image, { eraseAll: true }));
  equal(rig.sim.stats.massErases, 1);
  equal(result.unitsErased, 64);
  const erased = new Uint8Array(64 * KiB).fill(0xff);
  expectFlash(rig, image, erased);
});

test('go: the chip leaves the bootloader and runs the new firmware', async () => {
  const rig = simRig('F103C8');
  const result = await flashAndCheck(rig, smallImage(), { go: true });
  await rig.clock.advance(2000); // the chip jumps once its ACK has left the wire (by its own wire-time estimate)
  equal(rig.sim.mode, 'app');
  equal(rig.sim.stats.commands.Go, 1);
  ok(result.phases.go >= 0);
});

test('progress: connect, erase, write, verify in order, each ending at 100 %', async () => {
  const rig = simRig('F103C8');
  const events: FlashProgress[] = [];
  await flashAndCheck(rig, smallImage(), { onProgress: (event) => events.push(event) });
  const phases = events.map((e) => e.phase).filter((p, i, all) => all[i - 1] !== p);
  deepEqual(phases, ['connect', 'erase', 'write', 'verify']);
  for (const phase of phases) {
    const last = events.filter((e) => e.phase === phase).pop()!;
    equal(last.percent, 100, `${phase} ends at 100 %`);
    equal(last.done, last.total);
  }
  const write = events.filter((e) => e.phase === 'write').pop()!;
  equal(write.total, 3 * KiB + 100);
});

test('an image beyond the part flash size is refused before anything is erased', async () => {
  const rig = simRig('F103C8'); // 64 K part; its PID allows 128 K
  const image = MemoryImage.fromSegments([{ address: FLASH_BASE + 64 * KiB, data: pattern(16) }]);
  await rejects(rig.clock.run(flash(rig.bootloader, image)), { code: 'IMAGE_RANGE' });
  equal(rig.sim.stats.unitsErased, 0);
  equal(rig.sim.stats.commands.Erase, undefined);
});

test('an empty image is refused before the chip is touched', async () => {
  const rig = simRig('F103C8');
  await rejects(rig.clock.run(flash(rig.bootloader, MemoryImage.fromSegments([]))), { code: 'IMAGE_RANGE' });
  equal(rig.sim.stats.commands.Sync, undefined);
});

test('readout-protected chip: refused loudly without unprotect, flashed with it', async () => {
  const rig = simRig('F103C8');
  await rig.clock.run(rig.bootloader.sync());
  await rig.clock.run(rig.bootloader.readoutProtect());
  ok(rig.sim.readoutProtected);
  await rejects(rig.clock.run(flash(rig.bootloader, smallImage())), { code: 'READOUT_PROTECTED' });
  const erased = new Uint8Array(64 * KiB).fill(0xff); // Readout Unprotect erases everything
  rig.sim.flash.load(FLASH_BASE, pattern(64 * KiB));
  const result = await flashAndCheck(rig, smallImage(), { unprotect: true }, erased);
  ok(!rig.sim.readoutProtected);
  equal(result.verifyMethod, 'read-back');
});

// ── faults ──────────────────────────────────────────────────────────────────────────────────────────────────────

test('fault: Write Memory NACKed twice is retried to a verified success', async () => {
  const rig = simRig('F103C8');
  await flashAndCheck(rig, smallImage(), {
    onProgress: duringWrite(512, () => rig.sim.faults.nackNext(0x31, 2)),
  });
  equal(rig.sim.faults.injected.nacks, 2);
});

test('fault: Write Memory NACKed more often than the retries fails loudly', async () => {
  const rig = simRig('F103C8');
  dirtyFlash(rig);
  await rejects(
    rig.clock.run(
      flash(rig.bootloader, smallImage(), {
        onProgress: duringWrite(512, () => rig.sim.faults.nackNext(0x31, 9)),
      }),
    ),
    { code: 'NACK', command: 0x31, step: 'command' },
  );
  equal(rig.sim.faults.injected.nacks, 4, 'first try + 3 retries');
});

test('fault: erase NACKed once is retried', async () => {
  const rig = simRig('F103C8');
  rig.sim.faults.nackNext(0x43);
  await flashAndCheck(rig, smallImage());
  equal(rig.sim.faults.injected.nacks, 1);
});

for (const lost of [1, 2, 3, 4, 6]) {
  test(`fault: ${lost} answer byte(s) lost mid-write → re-sync, retry, verified success`, async () => {
    const rig = simRig('F103C8');
    await flashAndCheck(rig, smallImage(), {
      onProgress: duringWrite(1024, () => rig.sim.faults.dropNextAnswerBytes(lost)),
    });
    equal(rig.sim.faults.injected.droppedBytes, lost);
    equal(rig.sim.stats.programmingViolations, 0);
  });
}

/**
 * Arm `fault` just after the host sends the `nth` frame that `matches` (e.g. 5 bytes = an address, 258 = a full
 * write's data), so it hits exactly that frame's answer.
 */
function onFrame(rig: SimRig, matches: (frame: Uint8Array) => boolean, nth: number, fault: () => void): void {
  const write = rig.channel.write.bind(rig.channel);
  let seen = 0;
  rig.channel.write = (bytes) => {
    const sent = write(bytes);
    if (matches(bytes as Uint8Array) && ++seen === nth) fault();
    return sent;
  };
}

const ofLength = (length: number) => (frame: Uint8Array) => frame.length === length;

for (const [step, length] of [
  ['address', 5],
  ['data', 258],
] as const) {
  test(`fault: the ACK of a Write Memory ${step} frame lost → recovered, no double programming`, async () => {
    const rig = simRig('F103C8');
    // Frame 4 of this length: past the flash-size read, inside the write phase.
    onFrame(rig, ofLength(length), step === 'address' ? 6 : 3, () => rig.sim.faults.dropNextAnswerBytes(1));
    const result = await flashAndCheck(rig, smallImage());
    equal(rig.sim.faults.injected.droppedBytes, 1);
    equal(rig.sim.stats.programmingViolations, 0, 'a block already programmed is not programmed again');
    ok(result.verified);
  });

  test(`fault: the ACK of a Write Memory ${step} frame corrupted → recovered`, async () => {
    const rig = simRig('F103C8');
    onFrame(rig, ofLength(length), step === 'address' ? 6 : 3, () => rig.sim.faults.corruptNextAnswerByte());
    await flashAndCheck(rig, smallImage());
    equal(rig.sim.faults.injected.corruptedBytes, 1);
    equal(rig.sim.stats.programmingViolations, 0);
  });
}

test('fault: read-back data cut short → retried, verified', async () => {
  const rig = simRig('F103C8');
  // The 2nd Read Memory length frame for 256 bytes (0xFF 0x00) is a verify read; 100 bytes of its answer are lost.
  onFrame(
    rig,
    (f) => f.length === 2 && f[0] === 0xff && f[1] === 0x00,
    2,
    () => rig.sim.faults.dropNextAnswerBytes(100),
  );
  await flashAndCheck(rig, smallImage());
  equal(rig.sim.faults.injected.droppedBytes, 100);
});

test('fault: answer bytes lost in Get Checksum verify → retried, verified', async () => {
  const rig = simRig('G071RB');
  let armed = false;
  await flashAndCheck(rig, smallImage(), {
    onProgress: (event) => {
      if (event.phase === 'verify' && !armed) {
        armed = true;
        rig.sim.faults.dropNextAnswerBytes(5);
      }
    },
  });
  equal(rig.sim.faults.injected.droppedBytes, 5);
});

test('fault: a corrupted answer byte mid-write → retried, verified', async () => {
  const rig = simRig('F103C8');
  await flashAndCheck(rig, smallImage(), {
    onProgress: duringWrite(2048, () => rig.sim.faults.corruptNextAnswerByte()),
  });
  equal(rig.sim.faults.injected.corruptedBytes, 1);
});

test('fault: a corrupted byte during read-back verify does not pass for bad flash, nor for good', async () => {
  const rig = simRig('F103C8');
  let armed = false;
  await flashAndCheck(rig, smallImage(), {
    onProgress: (event) => {
      if (event.phase === 'verify' && event.done >= 512 && !armed) {
        armed = true;
        rig.sim.faults.corruptNextAnswerByte();
      }
    },
  });
  equal(rig.sim.faults.injected.corruptedBytes, 1);
});

test('fault: an answer late but within its timeout costs only time', async () => {
  const rig = simRig('F103C8');
  await flashAndCheck(rig, smallImage(), {
    onProgress: duringWrite(512, () => rig.sim.faults.delayNextAnswer(400)),
  });
  equal(rig.sim.faults.injected.delayedAnswers, 1);
  equal(rig.sim.stats.commands.Sync, 1, 'no re-sync needed');
});

test('fault: an answer later than its timeout → drained, re-synced, retried, verified', async () => {
  const rig = simRig('F103C8');
  await flashAndCheck(rig, smallImage(), {
    onProgress: duringWrite(512, () => rig.sim.faults.delayNextAnswer(900)),
  });
  equal(rig.sim.faults.injected.delayedAnswers, 1);
  ok(rig.sim.stats.commands.Sync! >= 2, 're-synced');
});

test('fault: the L412 double ACK on sync is absorbed', async () => {
  const rig = simRig('F103C8');
  rig.sim.faults.doubleAckOnSync = true;
  await flashAndCheck(rig, smallImage());
  equal(rig.sim.faults.injected.doubleAcks, 1);
});

test('fault: a chip that stops answering ends in a loud TimeoutError', async () => {
  const rig = simRig('F103C8');
  dirtyFlash(rig);
  await rejects(
    rig.clock.run(
      flash(rig.bootloader, smallImage(), {
        onProgress: duringWrite(512, () => rig.sim.faults.dropNextAnswerBytes(1e6)),
      }),
    ),
    { code: 'TIMEOUT' },
  );
});

test('flash changed under the flasher is caught by read-back verify', async () => {
  const rig = simRig('F103C8');
  let damaged = false;
  await rejects(
    rig.clock.run(
      flash(rig.bootloader, smallImage(), {
        onProgress: (event) => {
          if (event.phase === 'verify' && !damaged) {
            damaged = true;
            rig.sim.flash.load(FLASH_BASE + 1000, Uint8Array.of(0x00));
          }
        },
      }),
    ),
    { code: 'VERIFY', command: 0x11, address: FLASH_BASE + 1000 },
  );
});

test('flash changed under the flasher is caught by checksum verify', async () => {
  const rig = simRig('G071RB');
  let damaged = false;
  await rejects(
    rig.clock.run(
      flash(rig.bootloader, smallImage(), {
        onProgress: (event) => {
          if (event.phase === 'verify' && !damaged) {
            damaged = true;
            rig.sim.flash.load(FLASH_BASE + 1000, Uint8Array.of(0x00));
          }
        },
      }),
    ),
    { code: 'VERIFY', command: 0xa1, address: FLASH_BASE },
  );
});

test('cancel mid-write stops at once; the next job on the same chip succeeds', async () => {
  const rig = simRig('F103C8');
  const before = dirtyFlash(rig);
  const cancel = new CancelToken();
  let writtenAtCancel = 0;
  await rejects(
    rig.clock.run(
      flash(rig.bootloader, smallImage(), {
        cancel,
        onProgress: duringWrite(1024, () => {
          writtenAtCancel = rig.sim.stats.commands['Write Memory']!;
          cancel.cancel();
        }),
      }),
    ),
    { code: 'CANCELLED' },
  );
  equal(rig.sim.stats.commands['Write Memory'], writtenAtCancel, 'no Write Memory after the cancel');
  await flashAndCheck(rig, smallImage(), {}, before);
});

test('cancel while a Write Memory waits for its ACK leaves a chip the next sync recovers', async () => {
  const rig = simRig('F103C8');
  const before = dirtyFlash(rig);
  const cancel = new CancelToken();
  // The ACK of the next command is held back 300 ms; the cancel comes 100 ms into that wait.
  const job = flash(rig.bootloader, smallImage(), {
    cancel,
    onProgress: duringWrite(1024, () => {
      rig.sim.faults.delayNextAnswer(300);
      rig.clock.set(() => cancel.cancel(), 100);
    }),
  });
  await rejects(rig.clock.run(job), { code: 'CANCELLED' });
  await flashAndCheck(rig, smallImage(), {}, before);
});

test('a gap between image segments that holds a whole unexpected page keeps that page untouched (L0, 128-byte pages)', async () => {
  const rig = simRig('L031K6');
  // Data at the end of page 0 and the start of page 2, nothing in page 1: page 1 is not erased, so no write may
  // reach into it, even though both runs fit in one 256-byte write block.
  const image = MemoryImage.fromSegments([
    { address: FLASH_BASE + 0x40, data: pattern(8, 3) },
    { address: FLASH_BASE + 0x120, data: pattern(8, 4) },
  ]);
  const result = await flashAndCheck(rig, image);
  equal(result.unitsErased, 2);
  equal(rig.sim.stats.programmingViolations, 0);
});
