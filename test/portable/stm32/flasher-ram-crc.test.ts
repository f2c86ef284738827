/**
 * skip-unchanged with the page-CRC routine in RAM (src/stm32/page-crc) on a bootloader without Get Checksum: the
 * simulated F103's Thumb core runs the routine; when it fails the flasher goes back to the bootloader and reads back.
 */
import { MemoryImage } from '../../../src/image/memory-image.js';
import { ByteChannel } from '../../../src/io/byte-channel.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { hostOutput, SimulatedStm32 } from '../../../src/sim/stm32-sim.js';
import { Bootloader } from '../../../src/stm32/bootloader.js';
import { FLASH_BASE } from '../../../src/stm32/chips.js';
import { flash } from '../../../src/stm32/flasher.js';
import { bytesEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { pattern } from './bytes.js';
import { BOOTLOADER_8E1 } from './scripted-target.js';
import { dirtyFlash, expectFlash, type SimRig, simRig } from './sim-rig.js';

const KiB = 1024;

/** NRST pulsed low and released: the rig's chip starts its bootloader (it is tied to it). */
function reenter(rig: SimRig, before?: () => void): () => Promise<void> {
  return async () => {
    before?.();
    const nrst = hostOutput(rig.sim.nrst);
    nrst.write(0);
    nrst.write(1);
  };
}

function image16k(seed: number): MemoryImage {
  return MemoryImage.fromSegments([{ address: FLASH_BASE, data: pattern(16 * KiB, seed) }]);
}

/** The same image with 1 KiB changed in page 9. */
function changedPage(image: MemoryImage): MemoryImage {
  const data = image.read(FLASH_BASE, 16 * KiB);
  data.set(pattern(KiB, 99), 9 * KiB);
  return MemoryImage.fromSegments([{ address: FLASH_BASE, data }]);
}

test('skipUnchanged, F103 (no Get Checksum): the routine in RAM compares, only the changed page is rewritten', async () => {
  const rig = simRig('F103C8');
  const before = dirtyFlash(rig, 5);
  const image = image16k(1);
  await rig.clock.run(flash(rig.bootloader, image, {}));
  const reads = rig.sim.stats.commands['Read Memory'] ?? 0;
  const changed = changedPage(image);
  const result = await rig.clock.run(
    flash(rig.bootloader, changed, { skipUnchanged: true, reenterBootloader: reenter(rig) }),
  );
  equal(result.compareMethod, 'ram-crc');
  equal(result.unitsErased, 1);
  equal(result.unitsSkipped, 15);
  equal(result.bytesWritten, KiB);
  ok(result.verified);
  equal(
    (rig.sim.stats.commands['Read Memory'] ?? 0) - reads,
    5,
    'flash-size register, then the rewritten page read back (4 × 256 bytes)',
  );
  equal(rig.sim.stats.commands.Go, 1, 'one run of the routine');
  expectFlash(rig, changed, before);
});

const FAULTS = [
  // The routine's first byte arrives damaged (after the two ACKs of Go): its answer is not believed.
  { name: 'answers damaged', arm: (rig: SimRig) => rig.sim.faults.corruptNextAnswerByte(2), mend: () => {} },
  // The chip's TX line goes dead once Go is acknowledged, until NRST is pulsed (a routine that hangs).
  {
    name: 'never answers',
    arm: (rig: SimRig) => rig.sim.faults.dropNextAnswerBytes(1_000_000, 2),
    mend: (rig: SimRig) => rig.sim.faults.clear(),
  },
];

for (const fault of FAULTS) {
  test(`skipUnchanged: a routine that ${fault.name} costs a reset; the units are read back instead`, async () => {
    const rig = simRig('F103C8');
    const before = dirtyFlash(rig, 6);
    const image = image16k(2);
    await rig.clock.run(flash(rig.bootloader, image, {}));
    const write = rig.channel.write.bind(rig.channel);
    rig.channel.write = (bytes) => {
      const sent = write(bytes);
      const frame = bytes as Uint8Array;
      if (frame.length === 2 && frame[0] === 0x21) fault.arm(rig);
      return sent;
    };
    const logged: string[] = [];
    let reentered = 0;
    const changed = changedPage(image);
    const result = await rig.clock.run(
      flash(rig.bootloader, changed, {
        skipUnchanged: true,
        reenterBootloader: reenter(rig, () => {
          reentered++;
          fault.mend(rig);
        }),
        log: (_level, message) => logged.push(message),
      }),
    );
    equal(reentered, 1);
    equal(result.compareMethod, 'read-back');
    equal(result.unitsErased, 1);
    ok(
      logged.some((line) => /page-CRC routine in RAM: .*comparing by read-back instead/.test(line)),
      logged.join('\n'),
    );
    expectFlash(rig, changed, before);
  });
}

test('skipUnchanged: when the chip does not come back in its bootloader after the routine, it is put back and read back', async () => {
  // A chip that follows BOOT0 (the rig's is tied to its bootloader): BOOT0 high to start with.
  const clock = new VirtualClock();
  const link = new SerialLink(clock, { timing: false });
  const sim = new SimulatedStm32({
    model: 'F103C8',
    timer: clock,
    serial: link.b,
    timing: false,
    start: 'pins',
  });
  const boot0 = hostOutput(sim.boot0);
  const nrst = hostOutput(sim.nrst);
  boot0.write(1);
  sim.powerOn();
  const bootloader = new Bootloader(new ByteChannel(link.a, BOOTLOADER_8E1, clock), clock);
  const image = image16k(4);
  await clock.run(flash(bootloader, image, {}));
  // BOOT0 falls while the routine runs (a loose jumper): its reset starts the application, which never syncs.
  const write = bootloader.channel.write.bind(bootloader.channel);
  bootloader.channel.write = (bytes) => {
    const sent = write(bytes);
    const frame = bytes as Uint8Array;
    if (frame.length === 2 && frame[0] === 0x21) boot0.write(0);
    return sent;
  };
  const logged: string[] = [];
  const changed = changedPage(image);
  const result = await clock.run(
    flash(bootloader, changed, {
      skipUnchanged: true,
      reenterBootloader: async () => {
        boot0.write(1);
        nrst.write(0);
        nrst.write(1);
      },
      log: (_level, message) => logged.push(message),
    }),
  );
  equal(result.compareMethod, 'read-back');
  equal(result.unitsErased, 1);
  ok(result.verified);
  ok(
    logged.some((line) =>
      /did not come back after the routine's reset.*comparing by read-back instead/.test(line),
    ),
    logged.join('\n'),
  );
  bytesEqual(sim.flash.read(FLASH_BASE, 16 * KiB), changed.read(FLASH_BASE, 16 * KiB));
});

test('skipUnchanged without a way back to the bootloader (no reset line) or with ramCrc off: read-back', async () => {
  for (const options of [{ skipUnchanged: true }, { skipUnchanged: true, ramCrc: false }]) {
    const rig = simRig('F103C8');
    const before = dirtyFlash(rig, 8);
    const image = image16k(3);
    const reenterBootloader = 'ramCrc' in options ? reenter(rig) : undefined;
    const result = await rig.clock.run(flash(rig.bootloader, image, { ...options, reenterBootloader }));
    equal(result.compareMethod, 'read-back');
    equal(rig.sim.stats.commands.Go ?? 0, 0, 'nothing started in RAM');
    expectFlash(rig, image, before);
  }
});
