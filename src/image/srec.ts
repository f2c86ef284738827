import { ImageError } from './errors.js';
import { hex } from './hex-format.js';
import { decodeHexPairs, showChar } from './line-splitter.js';
import type { MemoryImage } from './memory-image.js';
import { TextRecordParser } from './text-record-parser.js';

/**
 * Motorola S-record types (as in the srec(5) manual page): what each carries and how wide its address field is.
 * S4 is reserved and refused.
 */
const RECORD: Record<number, { kind: 'header' | 'data' | 'count' | 'start'; addressBytes: number }> = {
  0: { kind: 'header', addressBytes: 2 },
  1: { kind: 'data', addressBytes: 2 },
  2: { kind: 'data', addressBytes: 3 },
  3: { kind: 'data', addressBytes: 4 },
  5: { kind: 'count', addressBytes: 2 },
  6: { kind: 'count', addressBytes: 3 },
  7: { kind: 'start', addressBytes: 4 },
  8: { kind: 'start', addressBytes: 3 },
  9: { kind: 'start', addressBytes: 2 },
};

const SYNTAX = { syntax: 'SREC_SYNTAX', length: 'SREC_LENGTH' };

export interface SRecordOptions {
  /** Most data bytes the image may hold (default 16 MiB). */
  maxBytes?: number;
}

/**
 * Incremental Motorola S-record parser: push() chunks of any size, end() returns the image. Memory: one line buffer
 * of MAX_LINE_CHARS (600) characters plus the image data.
 *
 * S0 (header) is checked and ignored; S1/S2/S3 place data at 16/24/32-bit addresses; S5/S6 must equal the number of
 * data records before them (SREC_COUNT); S7/S8/S9 give the entry point and end the file (only whitespace may
 * follow: SREC_AFTER_END).
 *
 * The termination record is optional: many tools (and hand-cut files) omit it, so a file without one is accepted
 * when it holds at least one data record. The price: a file cut exactly at a line boundary cannot be told from a
 * complete one unless it has its S5/S6 count or S7–S9 record. A cut inside a line is always caught (length or
 * checksum).
 *
 * The checksum covers count, address and data but not the type digit: a damaged type (S3 read as S1, S7 as S1)
 * can give a record with a valid checksum. Only the S5/S6 count and the record order catch some of these, so a
 * data record after a count record is refused (SREC_ORDER): the count closes the data.
 *
 * Errors are ImageError with the 1-based line: SREC_SYNTAX (with column), SREC_LENGTH, SREC_CHECKSUM,
 * SREC_RECORD_TYPE, SREC_COUNT, SREC_ORDER, SREC_LINE_TOO_LONG, SREC_AFTER_END, OVERLAP, ADDRESS_RANGE, EMPTY.
 */
export class SRecordParser extends TextRecordParser {
  private dataRecords = 0;
  private countLine = 0;
  private entry: number | undefined;
  private endLine = 0;

  constructor(options: SRecordOptions = {}) {
    super('S-record', 'SREC_LINE_TOO_LONG', options.maxBytes);
  }

  /** EMPTY when the file holds no data record. */
  protected finish(): MemoryImage {
    return this.builder.finish(this.entry, { line: this.lines.currentLine }, 'the S-record file');
  }

  protected onLine(text: Uint8Array, line: number, column: number): void {
    if (text.length === 0) return;
    if (this.endLine !== 0) {
      throw new ImageError('SREC_AFTER_END', `text after the termination record of line ${this.endLine}`, {
        line,
      });
    }
    if (text[0] !== 0x53 && text[0] !== 0x73) {
      throw new ImageError(
        'SREC_SYNTAX',
        `column ${column}: a record starts with 'S', found ${showChar(text[0]!)}`,
        {
          line,
        },
      );
    }
    if (text.length < 2) {
      throw new ImageError('SREC_LENGTH', 'the record stops after the S; the line is cut or damaged', {
        line,
      });
    }
    const typeChar = text[1]!;
    if (typeChar < 0x30 || typeChar > 0x39) {
      throw new ImageError(
        'SREC_SYNTAX',
        `column ${column + 1}: the record type must be a digit 0–9, found ${showChar(typeChar)}`,
        { line },
      );
    }
    const type = typeChar - 0x30;
    const spec = RECORD[type];
    if (!spec) throw new ImageError('SREC_RECORD_TYPE', `S${type} is a reserved record type`, { line });
    const length = decodeHexPairs(text, 2, this.record, { line, column }, SYNTAX);
    const record = this.record;
    // Layout: count (bytes that follow), address, data, checksum.
    if (length < 1) throw new ImageError('SREC_LENGTH', 'the record has no byte count', { line });
    const count = record[0]!;
    if (length !== count + 1) {
      throw new ImageError(
        'SREC_LENGTH',
        `the byte count says ${count} byte(s) follow but the line holds ${length - 1}; the line is cut or damaged`,
        { line },
      );
    }
    if (count < spec.addressBytes + 1) {
      throw new ImageError(
        'SREC_LENGTH',
        `an S${type} record needs ${spec.addressBytes} address bytes and a checksum; its count is ${count}`,
        { line },
      );
    }
    let sum = 0;
    for (let i = 0; i < length - 1; i++) sum += record[i]!;
    const computed = ~sum & 0xff; // ones' complement of the low byte of count + address + data
    const stated = record[length - 1]!;
    if (stated !== computed) {
      throw new ImageError(
        'SREC_CHECKSUM',
        `record checksum is 0x${hex(stated, 2)} but the record's bytes call for 0x${hex(computed, 2)}: the file is ` +
          'damaged; re-export it from your build',
        { line },
      );
    }
    let address = 0;
    for (let i = 1; i <= spec.addressBytes; i++) address = address * 256 + record[i]!;
    const data = record.subarray(1 + spec.addressBytes, length - 1);
    if (spec.kind !== 'header' && spec.kind !== 'data' && data.length > 0) {
      throw new ImageError(
        'SREC_LENGTH',
        `an S${type} record carries no data, this one ${data.length} byte(s)`,
        {
          line,
        },
      );
    }
    switch (spec.kind) {
      case 'header':
        break;
      case 'data':
        if (this.countLine !== 0) {
          throw new ImageError(
            'SREC_ORDER',
            `a data record after the record count of line ${this.countLine}; the file is damaged or two files joined`,
            { line },
          );
        }
        this.builder.add(address, data, { line });
        this.dataRecords++;
        break;
      case 'count':
        if (address !== this.dataRecords) {
          throw new ImageError(
            'SREC_COUNT',
            `the S${type} record counts ${address} data record(s) but ${this.dataRecords} came before it; ` +
              'records are missing or duplicated',
            { line },
          );
        }
        this.countLine = line;
        break;
      case 'start':
        this.entry = address;
        this.endLine = line;
        break;
    }
  }
}

/** Parse a whole S-record file held in memory. */
export function parseSRecord(bytes: Uint8Array, options: SRecordOptions = {}): MemoryImage {
  const parser = new SRecordParser(options);
  parser.push(bytes);
  return parser.end();
}
