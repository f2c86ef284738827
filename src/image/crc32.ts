/**
 * The STM32 hardware CRC unit's CRC-32 (RM0008 §"CRC calculation unit"): polynomial 0x04C11DB7, initial value
 * 0xFFFFFFFF, no reflection, no final XOR, fed 32-bit words. Memory holds words little-endian, so a word at
 * address A is bytes A..A+3 read as a little-endian value, then shifted in most significant bit first. This is
 * what Get Checksum (AN3155 0xA1) computes and what stm32flash computes when 0xA1 is missing.
 */

const TABLE = makeTable();

function makeTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000_0000 ? (crc << 1) ^ 0x04c1_1db7 : crc << 1;
    table[i] = crc >>> 0;
  }
  return table;
}

export const CRC32_INIT = 0xffff_ffff;

/**
 * Continue a CRC over `bytes`, whose length must be a multiple of 4 (whole words). Returns the new CRC; start with
 * CRC32_INIT. Streaming: feed an image chunk by chunk.
 */
export function stm32Crc32(bytes: Uint8Array, crc = CRC32_INIT): number {
  if (bytes.length % 4 !== 0) throw new RangeError(`CRC over ${bytes.length} bytes: need whole 32-bit words`);
  let c = crc >>> 0;
  for (let i = 0; i < bytes.length; i += 4) {
    // The word's most significant byte is the last in memory (little-endian), and it goes in first.
    c = ((c << 8) ^ TABLE[((c >>> 24) ^ bytes[i + 3]!) & 0xff]!) >>> 0;
    c = ((c << 8) ^ TABLE[((c >>> 24) ^ bytes[i + 2]!) & 0xff]!) >>> 0;
    c = ((c << 8) ^ TABLE[((c >>> 24) ^ bytes[i + 1]!) & 0xff]!) >>> 0;
    c = ((c << 8) ^ TABLE[((c >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  }
  return c;
}
