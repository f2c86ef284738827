/**
 * The CRC that Get Checksum (AN3155 §3.13, command 0xA1) asks the chip's CRC unit for, with the polynomial and
 * initial value the host chooses. The STM32 CRC unit takes 32-bit words (read little-endian from memory), XORs
 * each into the register and shifts it 32 times most significant bit first; no reflection, no final XOR
 * (RM0008 "CRC calculation unit"). With the default polynomial this is src/image/crc32.ts's stm32Crc32.
 */
import { stm32Crc32 } from '../image/crc32.js';

export const DEFAULT_POLYNOMIAL = 0x04c1_1db7;

/** CRC over whole 32-bit words of `bytes` with any 32-bit polynomial; table-driven for the default one. */
export function stm32CrcWith(bytes: Uint8Array, polynomial: number, initial: number): number {
  if (polynomial >>> 0 === DEFAULT_POLYNOMIAL) return stm32Crc32(bytes, initial >>> 0);
  return crcBitwise(bytes, polynomial, initial);
}

/** The unit's algorithm one bit at a time: slow, but any polynomial. Exported so tests cross-check the table. */
export function crcBitwise(bytes: Uint8Array, polynomial: number, initial: number): number {
  if (bytes.length % 4 !== 0) throw new RangeError(`CRC over ${bytes.length} bytes: need whole 32-bit words`);
  const poly = polynomial >>> 0;
  let crc = initial >>> 0;
  for (let i = 0; i < bytes.length; i += 4) {
    const word = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    crc = (crc ^ word) >>> 0;
    for (let bit = 0; bit < 32; bit++) {
      crc = crc & 0x8000_0000 ? ((crc << 1) ^ poly) >>> 0 : (crc << 1) >>> 0;
    }
  }
  return crc;
}
