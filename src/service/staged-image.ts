/**
 * A firmware image opened from an ImageStaging (an upload streamed into flash), for the flash job. A raw binary is
 * flashed straight from the staging area: the flasher asks for blocks of ≤ 256 bytes (AN3155 §3.6) and each is read
 * from flash when asked, so RAM holds one block, not the image. A text format (Intel HEX, S-record) is decoded
 * from the staging area in chunks, so the text never sits in RAM; its decoded data does, up to `maxDecodedBytes`
 * (the device passes what its heap allows). ELF needs random access to its headers: it is read whole, within the
 * same limit.
 */
import { DEFAULT_BIN_BASE } from '../image/bin.js';
import { CRC32_INIT, stm32Crc32 } from '../image/crc32.js';
import { detectFormat, formatFromName, type ImageFormat, isWhitespace } from '../image/detect.js';
import { ImageError } from '../image/errors.js';
import { hex } from '../image/hex-format.js';
import { IntelHexParser } from '../image/intel-hex.js';
import type { MemoryImage } from '../image/memory-image.js';
import { parseImage } from '../image/parse-image.js';
import { SRecordParser } from '../image/srec.js';
import type { FlashImage, ImageBlock, ImageSpan } from '../stm32/image-view.js';
import type { ImageStaging } from './staging.js';

/** Bytes read from the staging area at a time while decoding or checksumming. */
const READ_CHUNK_BYTES = 512;
/** Bytes looked at to tell the format (detectFormat needs far fewer). */
const HEAD_BYTES = 64;

export interface StagedImageOptions {
  /** The file's name (format tiebreak and name/content check, as parseImage). */
  name?: string | undefined;
  /** Load address of a raw binary (default 0x08000000). */
  baseAddress?: number | undefined;
  /** Most decoded bytes a text or ELF image may hold in RAM. */
  maxDecodedBytes: number;
}

/** What a flash job takes: the image and its data size. */
export type SizedFlashImage = FlashImage & { readonly size: number };

/** Open the staged upload as an image. Throws ImageError as parseImage does for a bad or empty file. */
export function openStagedImage(
  staging: ImageStaging,
  options: StagedImageOptions,
): { image: SizedFlashImage; format: ImageFormat } {
  const length = staging.length;
  if (length === 0)
    throw new ImageError('EMPTY', 'the file is empty: there is nothing to flash', { offset: 0 });
  const head = staging.read(0, Math.min(HEAD_BYTES, length));
  const format = detectFormat(head, options.name);
  if (format === 'bin') {
    // The same refusals as parseImage: a name that claims a text format, or a file of only whitespace.
    const named = formatFromName(options.name);
    if (named !== undefined && named !== 'bin') {
      // parseImage refuses this (FORMAT_MISMATCH, naming the file); the head is all it needs to decide.
      parseImage(head, { name: options.name });
    }
    if (named === undefined && onlyWhitespace(staging)) {
      throw new ImageError('EMPTY', 'the file holds only whitespace: there is nothing to flash', {
        offset: 0,
      });
    }
    return { image: new StagedBinImage(staging, options.baseAddress ?? DEFAULT_BIN_BASE), format };
  }
  const maxBytes = options.maxDecodedBytes;
  if (format === 'elf') {
    if (length > maxBytes) {
      throw new ImageError(
        'IMAGE_TOO_LARGE',
        `an ELF file of ${length} bytes is more than this device can decode (${maxBytes}); upload the .bin or .hex`,
      );
    }
    return parseImage(staging.read(0, length), { name: options.name, maxBytes });
  }
  const parser = format === 'ihex' ? new IntelHexParser({ maxBytes }) : new SRecordParser({ maxBytes });
  for (let offset = 0; offset < length; offset += READ_CHUNK_BYTES) {
    parser.push(staging.read(offset, Math.min(READ_CHUNK_BYTES, length - offset)));
  }
  const image: MemoryImage = parser.end();
  return { image, format };
}

function onlyWhitespace(staging: ImageStaging): boolean {
  for (let offset = 0; offset < staging.length; offset += READ_CHUNK_BYTES) {
    const chunk = staging.read(offset, Math.min(READ_CHUNK_BYTES, staging.length - offset));
    if (!chunk.every(isWhitespace)) return false;
  }
  return true;
}

/** A raw binary in the staging area, at `address`: one segment whose bytes are read from flash when needed. */
export class StagedBinImage implements SizedFlashImage {
  readonly segments: readonly ImageSpan[];
  readonly entry = undefined;
  readonly size: number;

  constructor(
    private readonly staging: ImageStaging,
    readonly address: number,
  ) {
    this.size = staging.length;
    if (!Number.isInteger(address) || address < 0 || address + this.size > 0x1_0000_0000) {
      throw new ImageError(
        'ADDRESS_RANGE',
        `${this.size} bytes from base address 0x${hex(Math.max(0, address))} do not fit in the 32-bit address space`,
      );
    }
    this.segments = Object.freeze([{ address, data: { length: this.size } }]);
  }

  private get end(): number {
    return this.address + this.size;
  }

  read(address: number, length: number, fill = 0xff): Uint8Array {
    const out = new Uint8Array(length).fill(fill);
    const from = Math.max(address, this.address);
    const to = Math.min(address + length, this.end);
    if (from < to) out.set(this.staging.read(from - this.address, to - from), from - address);
    return out;
  }

  *writeBlocks(maxBytes: number, align: number): Iterable<ImageBlock> {
    if (!Number.isInteger(align) || align < 1 || !Number.isInteger(maxBytes) || maxBytes < align) {
      throw new RangeError(`write blocks of ${maxBytes} bytes on a ${align}-byte alignment are not possible`);
    }
    if (maxBytes % align !== 0) {
      throw new RangeError(`block size ${maxBytes} is not a multiple of the alignment ${align}`);
    }
    // One run of data: blocks follow each other from the aligned start to the aligned end, as MemoryImage cuts them.
    const last = Math.ceil(this.end / align) * align;
    for (let start = Math.floor(this.address / align) * align; start < last; start += maxBytes) {
      const length = Math.min(maxBytes, last - start);
      yield { address: start, data: this.read(start, length) };
    }
  }

  overlaps(address: number, length: number): boolean {
    return length > 0 && this.size > 0 && address < this.end && address + length > this.address;
  }

  crc32(address: number, length: number): number {
    if (length % 4 !== 0) throw new RangeError(`CRC length ${length} is not a whole number of 32-bit words`);
    let crc = CRC32_INIT;
    for (let offset = 0; offset < length; offset += READ_CHUNK_BYTES) {
      crc = stm32Crc32(this.read(address + offset, Math.min(READ_CHUNK_BYTES, length - offset)), crc);
    }
    return crc;
  }
}
