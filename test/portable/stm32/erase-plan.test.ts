import { MemoryImage } from '../../../src/image/memory-image.js';
import { chipByPid, FLASH_BASE } from '../../../src/stm32/chips.js';
import { planErase } from '../../../src/stm32/erase-plan.js';
import type { ImageRangeError } from '../../../src/stm32/errors.js';
import { deepEqual, equal, throws } from '../assert.js';
import { test } from '../harness.js';

const KiB = 1024;
const F103 = chipByPid(0x410); // 1 K pages, Erase 0x43
const F103HD = chipByPid(0x414); // 2 K pages, 512 K, Erase 0x43
const F407 = chipByPid(0x413); // sectors 4×16 K, 64 K, 128 K…
const L031 = chipByPid(0x425); // 128-byte pages, no mass erase

function image(...runs: Array<[number, number]>): MemoryImage {
  return MemoryImage.fromSegments(
    runs.map(([address, length]) => ({ address, data: new Uint8Array(length) })),
  );
}

test('planErase: only the pages the image touches, in order', () => {
  // 0x08000000..+1500 touches pages 0 and 1; 0x08002C00..+10 touches page 11.
  const plan = planErase(F103, 64 * KiB, image([FLASH_BASE, 1500], [FLASH_BASE + 0x2c00, 10]));
  deepEqual(
    plan.units.map((u) => u.index),
    [0, 1, 11],
  );
  deepEqual(plan.commands, [[0, 1, 11]]);
  equal(plan.mass, false);
  deepEqual(plan.skipped, []);
  equal(plan.units[2]!.address, FLASH_BASE + 0x2c00);
  equal(plan.units[2]!.size, KiB);
});

test('planErase: F4 sectors of 16 K, 64 K and 128 K', () => {
  // One run from inside sector 3 (16 K) across sector 4 (64 K) into sector 5 (128 K); one byte in sector 7.
  const plan = planErase(
    F407,
    1024 * KiB,
    image([FLASH_BASE + 0xc000 + 100, 0x20000], [FLASH_BASE + 0x60000, 1]),
  );
  deepEqual(
    plan.units.map((u) => [u.index, u.size / KiB]),
    [
      [3, 16],
      [4, 64],
      [5, 128],
      [7, 128],
    ],
  );
  equal(plan.units[1]!.address, FLASH_BASE + 0x10000);
  equal(plan.units[3]!.address, FLASH_BASE + 0x60000);
  deepEqual(plan.commands, [[3, 4, 5, 7]]);
});

test('planErase: Extended Erase lists are split at 512 pages', () => {
  const layout = { ...F103, eraseCommand: 0x44 as const };
  const plan = planErase(layout, 1024 * KiB, image([FLASH_BASE, 1024 * KiB]), { eraseCommand: 0x44 });
  deepEqual(
    plan.commands.map((c) => c.length),
    [512, 512],
  );
  equal(plan.commands[1]![0], 512);
});

test('planErase: Erase (0x43) lists are split at 255 pages', () => {
  const plan = planErase(F103HD, 512 * KiB, image([FLASH_BASE, 512 * KiB]));
  deepEqual(
    plan.commands.map((c) => c.length),
    [255, 1],
  );
  equal(plan.commands[1]![0], 255);
  equal(plan.units.length, 256);
});

test('planErase: mass erase when asked and the chip has one', () => {
  const plan = planErase(F103, 64 * KiB, image([FLASH_BASE, 10]), { mass: true, skip: new Set([0]) });
  equal(plan.mass, true);
  deepEqual(plan.commands, []);
  equal(plan.units.length, 64);
  deepEqual(plan.skipped, []);
});

test('planErase: "mass" on a chip without mass erase lists every page', () => {
  const plan = planErase(L031, 32 * KiB, image([FLASH_BASE, 10]), { mass: true });
  equal(plan.mass, false);
  equal(plan.units.length, 256);
  deepEqual(
    plan.commands.map((c) => c.length),
    [256],
  );
});

test('planErase: skipped units are neither erased nor listed', () => {
  const plan = planErase(F103, 64 * KiB, image([FLASH_BASE, 4 * KiB]), { skip: new Set([1, 2]) });
  deepEqual(plan.commands, [[0, 3]]);
  deepEqual(
    plan.skipped.map((u) => u.index),
    [1, 2],
  );
});

test('planErase: image data outside the flash is refused with the address and the range', () => {
  const below = throws(() => planErase(F103, 64 * KiB, image([0x0000_0000, 16])), {
    code: 'IMAGE_RANGE',
    name: 'ImageRangeError',
  }) as ImageRangeError;
  equal(below.where?.imageAddress, 0);
  equal(below.where?.flashStart, FLASH_BASE);
  equal(below.where?.flashEnd, FLASH_BASE + 64 * KiB);
  // Straddling the end of a 64 K part (the register's size, not the PID's 128 K maximum).
  const beyond = throws(() => planErase(F103, 64 * KiB, image([FLASH_BASE + 64 * KiB - 8, 16])), {
    code: 'IMAGE_RANGE',
    message: /0x08010000.*0x08000000–0x0800ffff, 64 KiB/,
  }) as ImageRangeError;
  equal(beyond.where?.imageAddress, FLASH_BASE + 64 * KiB);
});
