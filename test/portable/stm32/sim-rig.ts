/**
 * A host Bootloader wired to the simulated STM32 (src/sim) over a simulated cable, on a VirtualClock: the setup of
 * every end-to-end test of the flasher.
 */
import { ByteChannel } from '../../../src/io/byte-channel.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { SimulatedStm32 } from '../../../src/sim/stm32-sim.js';
import { Bootloader, type BootloaderOptions } from '../../../src/stm32/bootloader.js';
import type { ChipModel, EraseUnit } from '../../../src/stm32/chips.js';
import { eraseUnits } from '../../../src/stm32/chips.js';
import type { FlashImage } from '../../../src/stm32/image-view.js';
import { AssertionError } from '../assert.js';
import { pattern } from './bytes.js';
import { BOOTLOADER_8E1 } from './scripted-target.js';

export function simRig(model: string | ChipModel, options: BootloaderOptions = {}) {
  const clock = new VirtualClock();
  const link = new SerialLink(clock, { timing: false });
  const sim = new SimulatedStm32({ model, timer: clock, serial: link.b, timing: false, start: 'bootloader' });
  sim.powerOn();
  const channel = new ByteChannel(link.a, BOOTLOADER_8E1, clock);
  const bootloader = new Bootloader(channel, clock, options);
  const units = eraseUnits(sim.chip.eraseLayout, sim.model.flashBytes, sim.chip.flashBase);
  return { clock, link, sim, channel, bootloader, units };
}

export type SimRig = ReturnType<typeof simRig>;

/** Fill the whole flash with junk, as if an older firmware were there. Returns the junk. */
export function dirtyFlash(rig: SimRig, seed = 99): Uint8Array {
  const junk = pattern(rig.sim.model.flashBytes, seed);
  rig.sim.flash.load(rig.sim.chip.flashBase, junk);
  return junk;
}

/**
 * The flash must hold the image (0xFF around it) in every unit the image touches, and the old content `before`
 * everywhere else. Compares byte for byte and names the first difference.
 */
export function expectFlash(rig: SimRig, image: FlashImage, before: Uint8Array): void {
  const base = rig.sim.chip.flashBase;
  for (const unit of rig.units) {
    const actual = rig.sim.flash.read(unit.address, unit.size);
    const expected = image.overlaps(unit.address, unit.size)
      ? image.read(unit.address, unit.size)
      : before.subarray(unit.address - base, unit.address - base + unit.size);
    const at = firstDifference(actual, expected);
    if (at >= 0) {
      throw new AssertionError(
        `flash differs at 0x${(unit.address + at).toString(16)} (unit ${unit.index}): ` +
          `expected 0x${expected[at]!.toString(16)}, found 0x${actual[at]!.toString(16)}`,
      );
    }
  }
}

/** Units of `rig` the image touches. */
export function coveredUnits(rig: SimRig, image: FlashImage): EraseUnit[] {
  return rig.units.filter((unit) => image.overlaps(unit.address, unit.size));
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
