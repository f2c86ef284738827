import { CRC32_INIT, stm32Crc32 } from './crc32.js';
import { ImageError } from './errors.js';
import { hex } from './hex-format.js';

/** One contiguous run of image bytes at an absolute address. */
export interface Segment {
  readonly address: number;
  readonly data: Uint8Array;
}

const FOUR_GIB = 0x1_0000_0000;
/** Working memory of crc32(): the image is read this many bytes at a time. */
const CRC_CHUNK_BYTES = 1024;

/**
 * A firmware image as the chip will hold it: sparse, sorted, non-overlapping segments (adjacent ones merged), and
 * the entry point when the file names one. Gaps are "don't care" and read as erased flash (0xFF).
 *
 * The segments' bytes are not copied on the way in (a raw binary's segment is the file buffer itself), so callers
 * must not change a buffer after handing it over.
 */
export class MemoryImage {
  private constructor(
    /** Sorted by address, non-overlapping, no two touching. */
    readonly segments: readonly Segment[],
    /** Entry point (ELF e_entry, HEX type 03/05, S-record S7–S9) when the file has one. */
    readonly entry: number | undefined,
  ) {}

  /**
   * Build from segments in any order: empty ones are dropped, touching ones merge, overlapping ones are refused
   * (ImageError OVERLAP), and so is data outside the 32-bit address space (ImageError ADDRESS_RANGE).
   */
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
      const { address, data } = segment;
      if (!Number.isInteger(address) || address < 0 || address + data.length > FOUR_GIB) {
        throw new ImageError(
          'ADDRESS_RANGE',
          `${data.length} byte(s) at address ${Number.isInteger(address) && address >= 0 ? `0x${hex(address)}` : String(address)} ` +
            'lie outside the 32-bit address space',
        );
      }
      if (run && address < run.end) {
        throw new ImageError(
          'OVERLAP',
          `data at 0x${hex(address)} overlaps data already placed up to 0x${hex(run.end - 1)}; ` +
            'the file places two contents at the same address',
        );
      }
      if (run && address === run.end) {
        run.parts.push(data);
        run.end += data.length;
      } else {
        flush();
        run = { address, parts: [data], end: address + data.length };
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

  /** The image byte at `address`, or undefined in a gap. */
  byteAt(address: number): number | undefined {
    const segment = this.segments[this.firstEndingAfter(address)];
    if (!segment || segment.address > address) return undefined;
    return segment.data[address - segment.address];
  }

  /** Bytes of [address, address + length), gaps filled with `fill` (default 0xFF: erased flash). */
  read(address: number, length: number, fill = 0xff): Uint8Array {
    const out = new Uint8Array(length);
    const end = address + length;
    let at = address; // first byte of `out` not yet set
    for (let index = this.firstEndingAfter(address); index < this.segments.length; index++) {
      const segment = this.segments[index]!;
      if (segment.address >= end) break;
      const from = Math.max(address, segment.address);
      const to = Math.min(end, segment.address + segment.data.length);
      if (from > at) out.fill(fill, at - address, from - address);
      out.set(segment.data.subarray(from - segment.address, to - segment.address), from - address);
      at = to;
    }
    if (at < end) out.fill(fill, at - address);
    return out;
  }

  /** Does the image have data in [address, address + length)? */
  overlaps(address: number, length: number): boolean {
    const segment = this.segments[this.firstEndingAfter(address)];
    return length > 0 && segment !== undefined && segment.address < address + length;
  }

  /**
   * Cut for Write Memory (AN3155 §3.6: at most 256 bytes a command, address and length on the chip's write
   * alignment): blocks of at most `maxBytes`, each starting on a multiple of `align` and covering whole `align`
   * units, 0xFF where the image has no data. Only blocks with image data are produced, so large gaps cost no wire
   * time; a gap that fits inside a block is filled, so two segments a few bytes apart take one command, not two.
   * No address is in two blocks: chips with ECC flash (e.g. STM32L4, 64-bit units) refuse a second write to a unit.
   *
   * Each block starts at the first aligned unit holding data after the previous block, and ends at the end of the
   * last aligned unit holding data within `maxBytes` of its start.
   */
  *writeBlocks(maxBytes: number, align: number): Iterable<Segment> {
    if (!Number.isInteger(align) || align < 1 || !Number.isInteger(maxBytes) || maxBytes < align) {
      throw new RangeError(`write blocks of ${maxBytes} bytes on a ${align}-byte alignment are not possible`);
    }
    if (maxBytes % align !== 0) {
      throw new RangeError(`block size ${maxBytes} is not a multiple of the alignment ${align}`);
    }
    let next = 0; // first address not yet in a block; always a multiple of `align`
    let index = 0; // first segment that may still hold data at or after `next`
    while (true) {
      while (index < this.segments.length && segmentEnd(this.segments[index]!) <= next) index++;
      const first = this.segments[index];
      if (!first) return;
      const start = alignDown(Math.max(next, first.address), align);
      const limit = start + maxBytes;
      let dataEnd = 0; // one past the last image byte below `limit`
      for (let i = index; i < this.segments.length && this.segments[i]!.address < limit; i++) {
        dataEnd = Math.min(segmentEnd(this.segments[i]!), limit);
      }
      const end = alignUp(dataEnd, align);
      yield { address: start, data: this.read(start, end - start) };
      next = end;
    }
  }

  /**
   * The erase units (pages or sectors, each {address, size} in bytes) holding image data, in the order given.
   * Generic so that image/ need not know stm32/'s EraseUnit.
   */
  unitsCovered<U extends { readonly address: number; readonly size: number }>(units: readonly U[]): U[] {
    return units.filter((unit) => this.overlaps(unit.address, unit.size));
  }

  /**
   * STM32 CRC-32 (what Get Checksum 0xA1 computes, see crc32.ts) over [address, address + length), 0xFF where the
   * image has no data. `length` is in bytes and must be a multiple of 4 (the CRC unit takes whole words).
   */
  crc32(address: number, length: number): number {
    if (length % 4 !== 0) throw new RangeError(`CRC length ${length} is not a whole number of 32-bit words`);
    let crc = CRC32_INIT;
    for (let offset = 0; offset < length; offset += CRC_CHUNK_BYTES) {
      crc = stm32Crc32(this.read(address + offset, Math.min(CRC_CHUNK_BYTES, length - offset)), crc);
    }
    return crc;
  }

  /** A copy moved by `offset` bytes, entry point included (e.g. a .bin placed at a base address). */
  shifted(offset: number): MemoryImage {
    return MemoryImage.fromSegments(
      this.segments.map((s) => ({ address: s.address + offset, data: s.data })),
      this.entry === undefined ? undefined : this.entry + offset,
    );
  }

  /** Index of the first segment that ends after `address` (segments.length when none does): binary search. */
  private firstEndingAfter(address: number): number {
    let low = 0;
    let high = this.segments.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (segmentEnd(this.segments[middle]!) <= address) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function segmentEnd(segment: Segment): number {
  return segment.address + segment.data.length;
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
