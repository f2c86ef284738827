/**
 * The page-CRC routine (src/stm32/page-crc) run for real: written into the simulated F103's RAM and started with
 * Go, executed by the simulator's Thumb core against its model of the F1's registers (src/sim/cortex).
 */
import { stm32Crc32 } from '../../../src/image/crc32.js';
import { chipByPid } from '../../../src/stm32/chips.js';
import { MAX_RANGES, type RegisterStep, routineImage } from '../../../src/stm32/page-crc/routine.js';
import { pageCrcs } from '../../../src/stm32/page-crc/run.js';
import { routineSetup } from '../../../src/stm32/page-crc/setup.js';
import { deepEqual, equal, ok, rejects } from '../assert.js';
import { test } from '../harness.js';
import { dirtyFlash, simRig } from './sim-rig.js';

test('page CRC: the routine in RAM sends the CRC of every page, equal to the host CRC, and the bootloader is back', async () => {
  const rig = simRig('F103C8');
  const junk = dirtyFlash(rig, 7);
  await rig.clock.run(rig.bootloader.sync());
  await rig.clock.run(rig.bootloader.get());
  const chip = chipByPid(0x410);
  // 16 of the 64 pages keep the run short on XS, where the simulated core is slowest; 16 KiB prove the loop.
  const units = rig.units.slice(8, 24);
  const ranges = units.map((unit) => ({ address: unit.address, words: unit.size / 4 }));
  const started = rig.clock.now();
  const crcs = await rig.clock.run(pageCrcs(rig.bootloader, chip, ranges));
  const expected = units.map((unit) =>
    stm32Crc32(junk.subarray(unit.address - chip.flashBase, unit.address - chip.flashBase + unit.size)),
  );
  deepEqual(crcs, expected);
  equal(rig.sim.mode, 'bootloader', 'the routine reset the chip into its bootloader');
  equal(rig.sim.stats.resets, 2, 'power-on and the routine’s AIRCR reset');
  // 16 KiB at 8 MHz, bit by bit: about 120 ms of CPU time (page-crc.s), plus writing the routine.
  const ms = rig.clock.now() - started;
  ok(ms > 80 && ms < 400, `took ${ms} ms of simulated time`);
  // The bootloader answers again.
  equal(await rig.clock.run(rig.bootloader.getId()), 0x410);
});

test('page CRC: more ranges than one run holds take two runs, each reset back into the bootloader', async () => {
  const rig = simRig('F103C8');
  const junk = dirtyFlash(rig, 11);
  await rig.clock.run(rig.bootloader.sync());
  const chip = chipByPid(0x410);
  // MAX_RANGES + 2 ranges of 8 words, starts 40 bytes apart: the first run takes MAX_RANGES, the second two.
  const ranges = Array.from({ length: MAX_RANGES + 2 }, (_, i) => ({
    address: chip.flashBase + 40 * i,
    words: 8,
  }));
  const crcs = await rig.clock.run(pageCrcs(rig.bootloader, chip, ranges));
  deepEqual(
    crcs,
    ranges.map((range) =>
      stm32Crc32(junk.subarray(range.address - chip.flashBase, range.address - chip.flashBase + 32)),
    ),
  );
  equal(rig.sim.stats.commands.Go, 2, 'two runs of the routine');
  equal(rig.sim.mode, 'bootloader');
});

test('page CRC: a damaged answer byte is caught by the check byte', async () => {
  const rig = simRig('F103C8');
  dirtyFlash(rig, 3);
  await rig.clock.run(rig.bootloader.sync());
  await rig.clock.run(rig.bootloader.get());
  const write = rig.channel.write.bind(rig.channel);
  rig.channel.write = (bytes) => {
    const sent = write(bytes);
    const frame = bytes as Uint8Array;
    // The Go command (0x21): past its two ACKs and the routine's magic and count, a byte of the first CRC flips.
    if (frame.length === 2 && frame[0] === 0x21) rig.sim.faults.corruptNextAnswerByte(2 + 3 + 1);
    return sent;
  };
  const chip = chipByPid(0x410);
  const ranges = rig.units.slice(0, 4).map((unit) => ({ address: unit.address, words: unit.size / 4 }));
  await rejects(rig.clock.run(pageCrcs(rig.bootloader, chip, ranges)), { code: 'PAGE_CRC' });
});

for (const [what, broken] of [
  [
    'BRR set for 57600 baud',
    (step: RegisterStep) => (step.address === 0x4001_3808 ? { ...step, set: 139 } : step),
  ],
  [
    'PA9 left a floating input',
    (step: RegisterStep) => (step.address === 0x4001_0804 ? { ...step, clear: 0, set: 0 } : step),
  ],
  [
    'USART1 not clocked',
    (step: RegisterStep) => (step.address === 0x4002_1018 ? { ...step, set: 1 << 2 } : step),
  ],
] as const) {
  test(`page CRC: the simulated F1 delivers no answer when the set-up is wrong: ${what}`, async () => {
    const rig = simRig('F103C8');
    await rig.clock.run(rig.bootloader.sync());
    const chip = chipByPid(0x410);
    const setup = routineSetup('F1', 115200)!;
    const image = routineImage(chip.ramStart, {
      init: setup.init.map(broken),
      usart: setup.usart,
      ranges: [{ address: chip.flashBase, words: 256 }],
    });
    for (let offset = 0; offset < image.length; offset += 256) {
      await rig.clock.run(
        rig.bootloader.writeMemory(chip.ramStart + offset, image.subarray(offset, offset + 256)),
      );
    }
    await rig.clock.run(rig.bootloader.go(chip.ramStart));
    let head: Uint8Array | undefined;
    try {
      head = await rig.clock.run(rig.channel.readExactly(3, 300));
    } catch {
      head = undefined; // nothing came
    }
    ok(head === undefined || head[0] !== 0xa5 || head[1] !== 0x5a, `no valid answer, got ${head}`);
  });
}
