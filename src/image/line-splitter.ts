import { ImageError } from './errors.js';

/** Longest record line accepted, in characters without the line ending (the longest valid HEX record is 521). */
export const MAX_LINE_CHARS = 600;

/** Called with one line, leading and trailing whitespace removed, its 1-based number and the column of its first char. */
export type LineHandler = (line: Uint8Array, lineNumber: number, column: number) => void;

/**
 * Cuts a byte stream into lines for the text formats (Intel HEX, S-records), across chunk boundaries, in one fixed
 * buffer of MAX_LINE_CHARS + 1 bytes. LF ends a line; CR, spaces and tabs around a line are dropped (so LF and CRLF
 * files both work); a UTF-8 byte order mark at the start of the file is skipped (some Windows editors add one).
 * Blanks before a line's first character and past a full buffer are not stored, so any amount of indentation or
 * of trailing whitespace fits the buffer.
 */
export class LineSplitter {
  private readonly buffer = new Uint8Array(MAX_LINE_CHARS + 1);
  private length = 0;
  /** Blanks skipped before the first stored character of the current line. */
  private indent = 0;
  private lineNumber = 1;

  constructor(
    private readonly onLine: LineHandler,
    private readonly tooLongCode: string,
  ) {}

  /** The number of the line being read (1-based). */
  get currentLine(): number {
    return this.lineNumber;
  }

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === LF) {
        this.emit();
        this.lineNumber++;
      } else if (isBlank(byte) && (this.length === 0 || this.length === this.buffer.length)) {
        // Blanks before a line are counted (for columns), blanks past a full buffer dropped (emit() would trim
        // them; a non-blank after them is refused below): whitespace alone never makes a line too long.
        if (this.length === 0) this.indent++;
      } else if (this.length === this.buffer.length) {
        throw this.tooLong();
      } else {
        this.buffer[this.length++] = byte;
      }
    }
  }

  /** Hand over a last line that had no line ending. */
  end(): void {
    if (this.length > 0) this.emit();
  }

  private emit(): void {
    let start = 0;
    let end = this.length;
    const indent = this.indent;
    this.length = 0;
    this.indent = 0;
    if (this.lineNumber === 1 && end >= 3 && this.buffer[0] === 0xef && this.buffer[1] === 0xbb) {
      if (this.buffer[2] === 0xbf) start = 3;
    }
    while (start < end && isBlank(this.buffer[start]!)) start++;
    while (end > start && isBlank(this.buffer[end - 1]!)) end--;
    if (end - start > MAX_LINE_CHARS) throw this.tooLong();
    this.onLine(this.buffer.subarray(start, end), this.lineNumber, indent + start + 1);
  }

  private tooLong(): ImageError {
    return new ImageError(
      this.tooLongCode,
      `the line is longer than ${MAX_LINE_CHARS} characters; no valid record is that long (is this a text record file?)`,
      { line: this.lineNumber },
    );
  }
}

const LF = 0x0a;

/** Space, tab, CR, vertical tab, form feed. */
export function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0b || byte === 0x0c;
}

/** Value of one ASCII hex digit (either case), or -1. */
export function hexDigit(char: number): number {
  if (char >= 0x30 && char <= 0x39) return char - 0x30;
  if (char >= 0x41 && char <= 0x46) return char - 0x37;
  if (char >= 0x61 && char <= 0x66) return char - 0x57;
  return -1;
}

/** A character as a person can read it in an error message. */
export function showChar(char: number): string {
  return char >= 0x21 && char <= 0x7e
    ? `'${String.fromCharCode(char)}'`
    : `byte 0x${char.toString(16).padStart(2, '0')}`;
}

/**
 * Decode the hex digit pairs of `line` from index `from` into `out`; returns the number of bytes. Non-hex
 * characters raise `syntaxCode` with their column, an odd digit count raises `lengthCode`.
 */
export function decodeHexPairs(
  line: Uint8Array,
  from: number,
  out: Uint8Array,
  position: { line: number; column: number },
  codes: { syntax: string; length: string },
): number {
  for (let i = from; i < line.length; i++) {
    if (hexDigit(line[i]!) < 0) {
      throw new ImageError(
        codes.syntax,
        `column ${position.column + i}: ${showChar(line[i]!)} is not a hex digit`,
        { line: position.line },
      );
    }
  }
  const digits = line.length - from;
  if (digits % 2 !== 0) {
    throw new ImageError(codes.length, `odd number of hex digits (${digits}); the line is cut or damaged`, {
      line: position.line,
    });
  }
  const count = digits / 2;
  for (let i = 0; i < count; i++) {
    out[i] = (hexDigit(line[from + 2 * i]!) << 4) | hexDigit(line[from + 2 * i + 1]!);
  }
  return count;
}
