/**
 * What the flasher needs from a firmware image. MemoryImage (src/image/memory-image.ts) has this shape; the
 * flasher states only the part it uses, so a test or another image source can stand in.
 */

/** One contiguous run of image bytes. */
export interface ImageBlock {
  readonly address: number;
  readonly data: Uint8Array;
}

/**
 * Where one run of image bytes lies. Only its place and length: a staged image (service/staged-image.ts) keeps the
 * bytes in flash and reads them block by block, so its segments carry no data in RAM.
 */
export interface ImageSpan {
  readonly address: number;
  readonly data: { readonly length: number };
}

export interface FlashImage {
  /** Sorted, non-overlapping runs of bytes. */
  readonly segments: readonly ImageSpan[];
  /** Entry point from the file (ELF e_entry, HEX start linear address), if it has one. */
  readonly entry?: number | undefined;
  /** `length` bytes from `address`, with `fill` where the image has no data. */
  read(address: number, length: number, fill?: number): Uint8Array;
  /**
   * The image cut into blocks of at most `maxBytes`, each starting and ending on a multiple of `align` (padded with
   * 0xFF), only where the image has data.
   */
  writeBlocks(maxBytes: number, align: number): Iterable<ImageBlock>;
  /** Whether any image byte lies in [address, address + length). */
  overlaps(address: number, length: number): boolean;
  /** STM32 CRC-32 (as Get Checksum computes it) over [address, address + length), 0xFF where the image has no data. */
  crc32(address: number, length: number): number;
}
