import { ImageError, type ImagePosition } from './errors.js';
import { hex } from './hex-format.js';
import { MemoryImage, type Segment } from './memory-image.js';

/** Default cap on the data bytes one image may hold (16 MiB: far above any STM32's flash, so only junk hits it). */
export const DEFAULT_MAX_IMAGE_BYTES = 16 * 1024 * 1024;

const FOUR_GIB = 0x1_0000_0000;
const FIRST_RUN_CAPACITY = 256;

/**
 * Collects data records as they are parsed into contiguous runs: a record that continues the current run is
 * appended to it (one growing buffer), anything else closes the run and starts a new one. A typical linker output
 * (records in address order) thus ends as a handful of runs, not one object per 16-byte record.
 *
 * Overlaps are detected as each record arrives, so the error names the line or offset of the record at fault.
 * Memory: the data itself plus at most one run buffer of slack (it doubles as it grows), capped by `maxBytes`.
 */
export class SegmentBuilder {
  /** Closed runs, sorted by address, never overlapping. */
  private readonly closed: Segment[] = [];
  private runAddress = 0;
  private runBuffer = new Uint8Array(0);
  private runLength = 0;
  private total = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_IMAGE_BYTES) {}

  /** Bytes added so far. */
  get byteCount(): number {
    return this.total;
  }

  /** Place `data` (copied) at `address`; throws ImageError ADDRESS_RANGE, OVERLAP or IMAGE_TOO_LARGE at `where`. */
  add(address: number, data: Uint8Array, where: ImagePosition): void {
    const length = data.length;
    if (length === 0) return;
    if (address < 0 || address + length > FOUR_GIB) {
      throw new ImageError(
        'ADDRESS_RANGE',
        `${length} byte(s) at 0x${hex(address)} reach beyond the 32-bit address space`,
        where,
      );
    }
    if (this.total + length > this.maxBytes) {
      throw new ImageError(
        'IMAGE_TOO_LARGE',
        `the image holds more than ${this.maxBytes} bytes of data; no STM32 has that much flash`,
        where,
      );
    }
    this.checkOverlap(address, length, where);
    if (this.runLength === 0 || address !== this.runAddress + this.runLength) {
      this.closeRun();
      this.runAddress = address;
    }
    this.append(data);
    this.total += length;
  }

  /** The image of everything added; `EMPTY` when nothing was. */
  finish(entry: number | undefined, where: ImagePosition, what: string): MemoryImage {
    this.closeRun();
    if (this.closed.length === 0) throw new ImageError('EMPTY', `${what} holds no data to flash`, where);
    return MemoryImage.fromSegments(this.closed, entry);
  }

  private checkOverlap(address: number, length: number, where: ImagePosition): void {
    const end = address + length;
    const runEnd = this.runAddress + this.runLength;
    if (this.runLength > 0 && address < runEnd && end > this.runAddress) {
      throw overlap(address, end, this.runAddress, runEnd, where);
    }
    // The closed runs are sorted and disjoint, so their ends are sorted too: find the first ending after `address`.
    let low = 0;
    let high = this.closed.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const s = this.closed[middle]!;
      if (s.address + s.data.length <= address) low = middle + 1;
      else high = middle;
    }
    const candidate = this.closed[low];
    if (candidate && candidate.address < end) {
      throw overlap(address, end, candidate.address, candidate.address + candidate.data.length, where);
    }
  }

  private append(data: Uint8Array): void {
    const needed = this.runLength + data.length;
    if (needed > this.runBuffer.length) {
      let capacity = Math.max(this.runBuffer.length * 2, FIRST_RUN_CAPACITY);
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(Math.min(capacity, Math.max(needed, this.maxBytes)));
      grown.set(this.runBuffer.subarray(0, this.runLength));
      this.runBuffer = grown;
    }
    this.runBuffer.set(data, this.runLength);
    this.runLength = needed;
  }

  /** Move the current run, trimmed to its length, into the sorted list of closed runs. */
  private closeRun(): void {
    if (this.runLength === 0) return;
    const segment: Segment = { address: this.runAddress, data: this.runBuffer.slice(0, this.runLength) };
    // Usually the new run goes last (records in address order); otherwise find its place by binary search.
    let low = 0;
    let high = this.closed.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.closed[middle]!.address < segment.address) low = middle + 1;
      else high = middle;
    }
    this.closed.splice(low, 0, segment);
    this.runBuffer = new Uint8Array(0);
    this.runLength = 0;
  }
}

function overlap(address: number, end: number, otherAddress: number, otherEnd: number, where: ImagePosition) {
  return new ImageError(
    'OVERLAP',
    `data at 0x${hex(address)}–0x${hex(end - 1)} overlaps data already placed at 0x${hex(otherAddress)}–` +
      `0x${hex(otherEnd - 1)}; the file places two contents at the same address`,
    where,
  );
}
