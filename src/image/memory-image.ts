import { CRC32_INIT, stm32Crc32 } from './crc32.js';
import { ImageError } from './errors.js';

/** One contiguous run of image bytes at an absolute address. */
export interface Segment {
  readonly address: number;
  readonly data: Uint8Array;
}

/**
 * A firmware image as the chip will hold it: sparse, sorted, non-overlapping segments (adjacent ones merged), and
 * the entry point when the file names one. Gaps are "don't care" and read as erased flash (0xFF).
 */
export class MemoryImage {
  private constructor(
    readonly segments: readonly Segment[],
    readonly entry: number | undefined,
  ) {}

  /** Build from segments in any order; touching segments merge, overlapping ones are refused (ImageError OVERLAP). */
  static fromSegments(segments: Iterable<Segment>, entry?: number): MemoryImage {
    const sorted = [...segments].filter((s) => s.data.length > 0).sort((a, b) => a.address - b.address);
    const merged: Segment[] = [];
    let run: { address: number; parts: Uint8Array[]; end: number } | undefined;
    const flush = () => {
      if (!run) return;
      merged.push({
        address: run.address,
        data: run.parts.length === 1 ? run.parts[0]! : concat(run.parts, run.end - run.address),
      });
    };
    for (const segment of sorted) {
      if (segment.address < 0 || segment.address + segment.data.length > 0x1_0000_0000) {
        throw new ImageError(
          'ADDRESS_RANGE',
          `data at 0x${segment.address.toString(16)} lies outside the 32-bit address space`,
        );
      }
      if (run && segment.address < run.end) {
        throw new ImageError(
          'OVERLAP',
          `data at 0x${hex(segment.address)} overlaps data already placed up to 0x${hex(run.end - 1)}; ` +
            'the file places two different contents at the same address',
        );
      }
      if (run && segment.address === run.end) {
        run.parts.push(segment.data);
        run.end += segment.data.length;
      } else {
        flush();
        run = { address: segment.address, parts: [segment.data], end: segment.address + segment.data.length };
      }
    }
    flush();
    return new MemoryImage(Object.freeze(merged), entry);
  }

  /** Total data bytes (gaps not counted). */
  get size(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.data.length;
    return total;
  }

  /** Lowest address with data (0 when empty). */
  get start(): number {
    return this.segments[0]?.address ?? 0;
  }

  /** One past the highest address with data (0 when empty). */
  get end(): number {
    const last = this.segments[this.segments.length - 1];
    return last ? last.address + last.data.length : 0;
  }

  byteAt(address: number): number | undefined {
    for (const segment of this.segments) {
      const offset = address - segment.address;
      if (offset >= 0 && offset < segment.data.length) return segment.data[offset];
    }
    return undefined;
  }

  /** Bytes of [address, address + length), gaps filled with `fill` (erased flash reads 0xFF). */
  read(address: number, length: number, fill = 0xff): Uint8Array {
    const out = new Uint8Array(length).fill(fill);
    const end = address + length;
    for (const segment of this.segments) {
      const segmentEnd = segment.address + segment.data.length;
      if (segmentEnd <= address) continue;
      if (segment.address >= end) break;
      const from = Math.max(address, segment.address);
      const to = Math.min(end, segmentEnd);
      out.set(segment.data.subarray(from - segment.address, to - segment.address), from - address);
    }
    return out;
  }

  /** Whether any image byte lies in [address, address + length). */
  overlaps(address: number, length: number): boolean {
    const end = address + length;
    return this.segments.some((s) => s.address < end && s.address + s.data.length > address);
  }

  /**
   * Cut for Write Memory (AN3155 §3.6: at most 256 bytes, the chip's write alignment): blocks of at most `maxBytes`
   * starting on a multiple of `align` and covering whole `align` units, 0xFF where the image has no data. Only blocks
   * with image data are produced, so gaps between segments cost no wire time.
   */
  *writeBlocks(maxBytes: number, align: number): Iterable<Segment> {
    if (maxBytes % align !== 0)
      throw new RangeError(`block size ${maxBytes} is not a multiple of the alignment ${align}`);
    let next = 0; // first address not yet covered by a produced block
    for (const segment of this.segments) {
      let address = Math.max(alignDown(segment.address, align), next);
      const segmentEnd = segment.address + segment.data.length;
      while (address < segmentEnd) {
        const blockEnd = Math.min(address + maxBytes, alignUp(segmentEnd, align));
        // The block may reach into the next segment's first bytes: read() takes them from there.
        yield { address, data: this.read(address, blockEnd - address) };
        address = blockEnd;
      }
      next = address;
    }
  }

  /** The erase units (pages or sectors, each {address, size}) holding image data, in the order given. */
  unitsCovered<U extends { readonly address: number; readonly size: number }>(units: readonly U[]): U[] {
    return units.filter((unit) => this.overlaps(unit.address, unit.size));
  }

  /** STM32 CRC-32 (what Get Checksum 0xA1 computes) over [address, address + length), 0xFF where no data. */
  crc32(address: number, length: number): number {
    if (length % 4 !== 0) throw new RangeError(`CRC length ${length} is not a whole number of 32-bit words`);
    let crc = CRC32_INIT;
    // Bounded working memory: 1 KiB at a time.
    for (let offset = 0; offset < length; offset += 1024) {
      crc = stm32Crc32(this.read(address + offset, Math.min(1024, length - offset)), crc);
    }
    return crc;
  }

  /** The same image moved by `offset` bytes. */
  shifted(offset: number): MemoryImage {
    return MemoryImage.fromSegments(
      this.segments.map((s) => ({ address: s.address + offset, data: s.data })),
      this.entry === undefined ? undefined : this.entry + offset,
    );
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function alignDown(value: number, align: number): number {
  return value - (value % align);
}

function alignUp(value: number, align: number): number {
  return alignDown(value + align - 1, align);
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
