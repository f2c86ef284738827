/**
 * Staging an uploaded firmware image in flash instead of RAM (docs/architecture.md "Flashing, the safe way": on the
 * device the image streams into a flash staging area). The ESP8266 gives JavaScript 32 KB; its "storage" partition
 * holds megabytes. An upload is appended chunk by chunk, through one small write buffer, into a FlashRegion; the
 * flash job later reads it back a block at a time (staged-image.ts).
 *
 * NOR flash rules the design: a sector must be erased (to 0xFF) before it is written, and a write can only clear
 * bits. So sectors are erased just ahead of the data, in order, and each byte is written once.
 */
import { AirbootError } from '../io/errors.js';

/** A partition of NOR flash: erase by sector, write and read by byte offset. */
export interface FlashRegion {
  /** Bytes in the region. */
  readonly byteLength: number;
  /** Bytes in one erase sector (4096 on ESP8266/ESP32). */
  readonly blockSize: number;
  /** Erase sector `index` (bytes [index × blockSize, (index + 1) × blockSize)) to 0xFF. */
  erase(index: number): void;
  /** Program `bytes` at `offset` (the bytes there must have been erased). */
  write(offset: number, bytes: Uint8Array): void;
  /** A copy of `length` bytes from `offset`. */
  read(offset: number, length: number): Uint8Array;
}

/** The staging area cannot take what was asked of it. */
export class StagingError extends AirbootError {
  constructor(
    code: 'STAGING_STATE' | 'STAGING_RANGE',
    message: string,
    readonly offset?: number,
  ) {
    super(code, message);
  }
}

export interface ImageStagingOptions {
  /** Bytes gathered before one flash write (a multiple of 4: the ESP's flash API writes words). Default 256. */
  writeBufferBytes?: number;
  /** Most bytes staged; default the whole region. */
  maxBytes?: number;
}

/**
 * One upload at a time, appended in order. Memory: the write buffer (default 256 bytes), whatever the image size.
 *
 *   staging.begin(); staging.append(chunk) …; staging.finish(); staging.read(offset, length) …
 */
export class ImageStaging {
  /** Most bytes one upload may stage. */
  readonly capacity: number;
  private readonly buffer: Uint8Array;
  private buffered = 0;
  /** Bytes already programmed into the region. */
  private written = 0;
  /** Sectors [0, erased) are erased or hold this upload's data. */
  private erased = 0;
  private state: 'empty' | 'receiving' | 'complete' = 'empty';

  constructor(
    readonly region: FlashRegion,
    options: ImageStagingOptions = {},
  ) {
    const bufferBytes = options.writeBufferBytes ?? 256;
    if (bufferBytes < 4 || bufferBytes % 4 !== 0) {
      throw new RangeError(`a staging write buffer of ${bufferBytes} bytes is not a whole number of words`);
    }
    this.buffer = new Uint8Array(bufferBytes);
    this.capacity = Math.min(options.maxBytes ?? region.byteLength, region.byteLength);
  }

  /** Bytes staged by the current or last upload. */
  get length(): number {
    return this.written + this.buffered;
  }

  /** Whether a complete upload is staged. */
  get complete(): boolean {
    return this.state === 'complete';
  }

  /** Whether an upload is being received now (a second one must wait: there is one staging area). */
  get receiving(): boolean {
    return this.state === 'receiving';
  }

  /** Start a new upload; what was staged before is forgotten (its sectors are erased as the new data arrives). */
  begin(): void {
    if (this.state === 'receiving') {
      throw new StagingError('STAGING_STATE', 'an upload is already being staged: one at a time');
    }
    this.buffered = 0;
    this.written = 0;
    this.erased = 0;
    this.state = 'receiving';
  }

  /** Append the next bytes; false (nothing appended) when they would pass `capacity`. */
  append(chunk: Uint8Array): boolean {
    if (this.state !== 'receiving') {
      throw new StagingError('STAGING_STATE', 'append() before begin(): no upload is being staged');
    }
    if (this.length + chunk.length > this.capacity) return false;
    let from = 0;
    while (from < chunk.length) {
      const take = Math.min(chunk.length - from, this.buffer.length - this.buffered);
      this.buffer.set(chunk.subarray(from, from + take), this.buffered);
      this.buffered += take;
      from += take;
      if (this.buffered === this.buffer.length) this.flush();
    }
    return true;
  }

  /** The upload is complete: program what the buffer still holds. */
  finish(): void {
    if (this.state !== 'receiving') {
      throw new StagingError('STAGING_STATE', 'finish() before begin(): no upload is being staged');
    }
    this.flush();
    this.state = 'complete';
  }

  /** The upload was abandoned: nothing staged may be used. */
  abandon(): void {
    this.buffered = 0;
    this.written = 0;
    this.state = 'empty';
  }

  /** `length` staged bytes from `offset` (a copy). Only a complete upload can be read. */
  read(offset: number, length: number): Uint8Array {
    if (this.state !== 'complete') {
      throw new StagingError('STAGING_STATE', 'read() of an upload that is not complete');
    }
    if (offset < 0 || length < 0 || offset + length > this.written) {
      throw new StagingError(
        'STAGING_RANGE',
        `bytes ${offset}–${offset + length} are outside the ${this.written} bytes staged`,
        offset,
      );
    }
    return this.region.read(offset, length);
  }

  private flush(): void {
    if (this.buffered === 0) return;
    // The last write of an upload may be shorter than a word: pad with 0xFF (erased flash) to keep it aligned.
    const padded = (this.buffered + 3) & ~3;
    this.buffer.fill(0xff, this.buffered, padded);
    const end = this.written + padded;
    const sector = this.region.blockSize;
    while (this.erased * sector < end) this.region.erase(this.erased++);
    this.region.write(this.written, this.buffer.subarray(0, padded));
    this.written += this.buffered;
    this.buffered = 0;
  }
}

/**
 * A FlashRegion in RAM that keeps NOR flash's rules (tests, and the host): erase sets 0xFF, a write can only clear
 * bits — writing over unerased data leaves the AND of both, as real flash does — and both are counted.
 */
export class MemoryFlashRegion implements FlashRegion {
  readonly bytes: Uint8Array;
  erases = 0;
  writes = 0;

  constructor(
    readonly byteLength: number,
    readonly blockSize = 4096,
  ) {
    this.bytes = new Uint8Array(byteLength).fill(0);
  }

  erase(index: number): void {
    const start = index * this.blockSize;
    if (!Number.isInteger(index) || index < 0 || start >= this.byteLength) {
      throw new StagingError('STAGING_RANGE', `no sector ${index} in a ${this.byteLength}-byte region`);
    }
    this.bytes.fill(0xff, start, Math.min(start + this.blockSize, this.byteLength));
    this.erases++;
  }

  write(offset: number, bytes: Uint8Array): void {
    if (offset < 0 || offset + bytes.length > this.byteLength) {
      throw new StagingError(
        'STAGING_RANGE',
        `a write of ${bytes.length} bytes at ${offset} passes the end`,
        offset,
      );
    }
    for (let i = 0; i < bytes.length; i++) this.bytes[offset + i]! &= bytes[i]!;
    this.writes++;
  }

  read(offset: number, length: number): Uint8Array {
    return this.bytes.slice(offset, offset + length);
  }
}
