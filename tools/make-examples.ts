/**
 * Writes the example firmware files in examples/ (run after a build: node dist/tools/make-examples.js). They are
 * the simulator's stand-in firmware with another label, so flashing one into `airboot demo` or `airboot sim`
 * visibly changes the flash CRC the demo application prints.
 */
import { writeFileSync } from 'node:fs';
import { demoFirmware } from '../src/sim/demo-firmware.js';
import { writeIntelHex } from '../test/portable/image/writers.js';

const image = demoFirmware('airboot example firmware v2', 8192);
writeFileSync('examples/demo-v2.hex', writeIntelHex(image.segments));
writeFileSync('examples/demo-v2.bin', image.read(image.start, image.size));
console.log(`examples/demo-v2.hex and .bin: ${image.size} bytes at 0x${image.start.toString(16)}`);
