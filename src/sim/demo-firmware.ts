/**
 * A stand-in firmware for the simulated chip: a Cortex-M vector table (initial stack pointer in RAM, Thumb reset
 * handler in flash — what Go and a reset look for) followed by a readable label, so the demo has an application to
 * run and examples/ has files to flash. The simulator does not execute it: its demo application prints the CRC of
 * whatever flash holds, which is how a user sees that a new image arrived.
 */
import { MemoryImage } from '../image/memory-image.js';
import { FLASH_BASE } from '../stm32/chips.js';

/** `label` (ASCII) after the vector table, padded with a pattern to `size` bytes (a multiple of 4). */
export function demoFirmware(label: string, size = 4096): MemoryImage {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + 3) & 0xff;
  const words = [0x2000_5000, FLASH_BASE + 0x101]; // initial SP (top of 20 KiB RAM), reset handler | Thumb bit
  words.forEach((word, index) => {
    for (let b = 0; b < 4; b++) data[index * 4 + b] = (word >>> (8 * b)) & 0xff;
  });
  for (let i = 0; i < label.length && 64 + i < size; i++) data[64 + i] = label.charCodeAt(i) & 0x7f;
  return MemoryImage.fromSegments([{ address: FLASH_BASE, data }], FLASH_BASE + 0x101);
}
