/**
 * End to end against the simulator: flash and verify an image into every simulated part, over junk left by an
 * "older firmware", and compare the whole flash byte for byte.
 */

import { MemoryImage } from '../../../src/image/memory-image.js';
import { MODELS } from '../../../src/stm32/chips.js';
import { flash } from '../../../src/stm32/flasher.js';
import { equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { pattern } from './bytes.js';
import { coveredUnits, dirtyFlash, expectFlash, simRig } from './sim-rig.js';

for (const model of MODELS) {
  test(`flash + verify into ${model.name}: image across several erase units, old content elsewhere kept`, async () => {
    const rig = simRig(model);
    const { units } = rig;
    const base = rig.sim.chip.flashBase;
    const segments = [
      // The vector table and a bit, from the flash base.
      { address: base, data: pattern(600, 1) },
      // Across the boundary of two units (clear of the first run), starting on a word but not on the alignment.
      {
        address: units.find((u) => u.index >= 3 && u.address - base >= 1024)!.address - 100,
        data: pattern(333, 2),
      },
      // The last bytes of the flash.
      { address: base + model.flashBytes - 64, data: pattern(64, 3) },
    ];
    if (rig.sim.chip.eraseLayout.kind === 'sectors' && units.length > 5) {
      // F4: across 16 K → 64 K (sectors 3 → 4) and 64 K → 128 K (sectors 4 → 5).
      segments.splice(2, 0, { address: units[4]!.address - 128, data: pattern(256, 4) });
      segments.splice(3, 0, { address: units[5]!.address - 128, data: pattern(256, 5) });
    }
    const image = MemoryImage.fromSegments(segments);
    const before = dirtyFlash(rig);
    const result = await rig.clock.run(flash(rig.bootloader, image));
    expectFlash(rig, image, before);
    equal(rig.sim.stats.programmingViolations, 0, 'programmed only erased flash');
    equal(result.chip.pid, model.pid);
    equal(result.chip.flashBytes, model.flashBytes, 'flash size from the flash-size register');
    equal(result.unitsErased, coveredUnits(rig, image).length);
    equal(result.unitsSkipped, 0);
    ok(result.verified);
    equal(result.verifyMethod, rig.sim.chip.protocolVersion >= 0x33 ? 'checksum' : 'read-back');
    equal(result.bootloaderVersion, rig.sim.chip.protocolVersion);
    ok(result.bytesWritten >= 600 + 333 + 64, `wrote ${result.bytesWritten} bytes`);
  });
}
