import { ImageError } from './errors.js';
import { hex } from './hex-format.js';
import { decodeHexPairs, showChar } from './line-splitter.js';
import type { MemoryImage } from './memory-image.js';
import { TextRecordParser } from './text-record-parser.js';

/** Record types of the Intel Hexadecimal Object File Format Specification, Rev. A (1988). */
const DATA = 0x00;
const END_OF_FILE = 0x01;
const EXTENDED_SEGMENT_ADDRESS = 0x02;
const START_SEGMENT_ADDRESS = 0x03;
const EXTENDED_LINEAR_ADDRESS = 0x04;
const START_LINEAR_ADDRESS = 0x05;

/** Data bytes each address/start record must carry. */
const FIXED_LENGTH: Record<number, number> = {
  [END_OF_FILE]: 0,
  [EXTENDED_SEGMENT_ADDRESS]: 2,
  [START_SEGMENT_ADDRESS]: 4,
  [EXTENDED_LINEAR_ADDRESS]: 2,
  [START_LINEAR_ADDRESS]: 4,
};

const SIXTY_FOUR_KIB = 0x1_0000;
const FOUR_GIB = 0x1_0000_0000;
const SYNTAX = { syntax: 'HEX_SYNTAX', length: 'HEX_LENGTH' };

export interface IntelHexOptions {
  /** Most data bytes the image may hold (default 16 MiB). */
  maxBytes?: number;
}

/**
 * Incremental Intel HEX parser: feed the file in chunks of any size with push(), then end() returns the image.
 * Memory: one line buffer of MAX_LINE_CHARS (600) characters plus the image data (see SegmentBuilder).
 *
 * Accepted: LF or CRLF line ends, a last line without one, upper or lower case digits, blank lines, records in any
 * order. Every problem throws ImageError with the 1-based line: HEX_SYNTAX (with the column), HEX_LENGTH,
 * HEX_CHECKSUM, HEX_RECORD_TYPE, HEX_LINE_TOO_LONG, HEX_AFTER_EOF, HEX_TRUNCATED (no end-of-file record), OVERLAP,
 * ADDRESS_RANGE, EMPTY. After an error the parser stays failed and rethrows it.
 */
export class IntelHexParser extends TextRecordParser {
  /** Base added to data record offsets (type 02: segment × 16; type 04: upper 16 bits). */
  private base = 0;
  /** Type 02 addressing wraps offsets within the 64 KiB segment; type 04 (and no extended record) does not. */
  private segmented = false;
  private entry: number | undefined;
  private entryLine = 0;
  private endOfFileLine = 0;

  constructor(options: IntelHexOptions = {}) {
    super('HEX', 'HEX_LINE_TOO_LONG', options.maxBytes);
  }

  /** HEX_TRUNCATED without an end-of-file record, EMPTY without data. */
  protected finish(): MemoryImage {
    if (this.endOfFileLine === 0) {
      throw new ImageError(
        'HEX_TRUNCATED',
        'no end-of-file record (:00000001FF): the file is cut short; upload or copy it again',
        { line: this.lines.currentLine },
      );
    }
    return this.builder.finish(this.entry, { line: this.endOfFileLine }, 'the HEX file');
  }

  protected onLine(text: Uint8Array, line: number, column: number): void {
    if (text.length === 0) return; // blank lines are tolerated
    if (this.endOfFileLine !== 0) {
      throw new ImageError(
        'HEX_AFTER_EOF',
        `text after the end-of-file record of line ${this.endOfFileLine}; the file may be two files joined`,
        { line },
      );
    }
    if (text[0] !== 0x3a) {
      throw new ImageError(
        'HEX_SYNTAX',
        `column ${column}: a record starts with ':', found ${showChar(text[0]!)}`,
        {
          line,
        },
      );
    }
    const length = decodeHexPairs(text, 1, this.record, { line, column }, SYNTAX);
    const record = this.record;
    // Record layout: count, offset (2 bytes, big-endian), type, data[count], checksum.
    if (length < 5) {
      throw new ImageError(
        'HEX_LENGTH',
        `a record has at least 5 bytes (10 hex digits), this one has ${length}`,
        {
          line,
        },
      );
    }
    const count = record[0]!;
    if (length !== count + 5) {
      throw new ImageError(
        'HEX_LENGTH',
        `the byte count says ${count} data byte(s) but the line holds ${length - 5}; the line is cut or damaged`,
        { line },
      );
    }
    let sum = 0;
    for (let i = 0; i < length - 1; i++) sum += record[i]!;
    const computed = -sum & 0xff; // two's complement of the sum of all other bytes
    const stated = record[length - 1]!;
    if (stated !== computed) {
      throw new ImageError(
        'HEX_CHECKSUM',
        `record checksum is 0x${hex(stated, 2)} but the record's bytes call for 0x${hex(computed, 2)}: the file is ` +
          'damaged; re-export it from your build',
        { line },
      );
    }
    const type = record[3]!;
    const offset = (record[1]! << 8) | record[2]!;
    const data = record.subarray(4, 4 + count);
    if (type === DATA) {
      this.placeData(offset, data, line);
      return;
    }
    const fixed = FIXED_LENGTH[type];
    if (fixed === undefined) {
      throw new ImageError(
        'HEX_RECORD_TYPE',
        `unknown record type 0x${hex(type, 2)}; Intel HEX defines types 00 to 05`,
        { line },
      );
    }
    if (count !== fixed) {
      throw new ImageError(
        'HEX_LENGTH',
        `a type 0${type} record carries ${fixed} data byte(s), this one ${count}`,
        {
          line,
        },
      );
    }
    const word = (data[0]! << 8) | data[1]!;
    switch (type) {
      case END_OF_FILE:
        this.endOfFileLine = line;
        break;
      case EXTENDED_SEGMENT_ADDRESS:
        this.base = word * 16;
        this.segmented = true;
        break;
      case EXTENDED_LINEAR_ADDRESS:
        this.base = word * SIXTY_FOUR_KIB;
        this.segmented = false;
        break;
      case START_SEGMENT_ADDRESS:
        // CS:IP, the 8086 reset vector: physical address CS × 16 + IP.
        this.setEntry(word * 16 + ((data[2]! << 8) | data[3]!), line);
        break;
      case START_LINEAR_ADDRESS:
        this.setEntry((word * SIXTY_FOUR_KIB + ((data[2]! << 8) | data[3]!)) >>> 0, line);
        break;
    }
  }

  /**
   * Where a data record's bytes go. Intel HEX Rev. A (1988) states both rules as formulas, with DRLO the record's
   * load offset and DRI the byte's index in the record:
   * - segment addressing (§"Extended Segment Address Record", type 02): SBA + ((DRLO + DRI) MOD 64K), so a record
   *   running past offset 0xFFFF wraps to the start of its own 64 KiB segment;
   * - linear addressing (§"Extended Linear Address Record", type 04, and before any 02/04 record since the LBA
   *   defaults to 0): (LBA + DRLO + DRI) MOD 4G — the offset addition is "done modulo 4G", so a record running past
   *   0xFFFF continues into the next 64 KiB and wraps only at 4 GiB.
   * We follow the spec as written rather than wrapping type 04 records within 64 KiB (as some readers do), because
   * the spec is explicit and the STM32 address space is linear. Writers normally start a new record (after a new
   * type 04) at each 64 KiB boundary, so for ordinary files both readings give the same image.
   */
  private placeData(offset: number, data: Uint8Array, line: number): void {
    const where = { line };
    if (this.segmented) {
      const first = Math.min(data.length, SIXTY_FOUR_KIB - offset);
      this.builder.add(this.base + offset, data.subarray(0, first), where);
      this.builder.add(this.base, data.subarray(first), where);
    } else {
      const address = this.base + offset;
      const first = Math.min(data.length, FOUR_GIB - address);
      this.builder.add(address, data.subarray(0, first), where);
      this.builder.add(0, data.subarray(first), where);
    }
  }

  private setEntry(entry: number, line: number): void {
    if (this.entry !== undefined && this.entry !== entry) {
      throw new ImageError(
        'HEX_ENTRY',
        `start address 0x${hex(entry)} contradicts 0x${hex(this.entry)} given on line ${this.entryLine}`,
        { line },
      );
    }
    this.entry = entry;
    this.entryLine = line;
  }
}

/** Parse a whole Intel HEX file held in memory. */
export function parseIntelHex(bytes: Uint8Array, options: IntelHexOptions = {}): MemoryImage {
  const parser = new IntelHexParser(options);
  parser.push(bytes);
  return parser.end();
}
