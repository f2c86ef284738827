/**
 * One protocol line being gathered across chunks, in storage allocated once. The parsers that use it find the LF
 * themselves and append whole runs, so the buffer never holds more than one line (RFC 9112 §2.2).
 */
export class LineBuffer {
  private readonly storage: Uint8Array;
  private used = 0;

  /** @param maxLineBytes longest line any caller will allow, in bytes without its CRLF. */
  constructor(maxLineBytes: number) {
    // One more byte for the CR of a CRLF, which is only known to be a terminator when the LF follows.
    this.storage = new Uint8Array(maxLineBytes + 1);
  }

  /** Bytes held now. */
  get length(): number {
    return this.used;
  }

  /**
   * Append `chunk[start, end)` unless the line would then exceed `maxBytes` (plus one byte for a CR); returns false
   * and appends nothing in that case.
   */
  append(chunk: Uint8Array, start: number, end: number, maxBytes: number): boolean {
    const limit = Math.min(maxBytes + 1, this.storage.length);
    if (this.used + (end - start) > limit) return false;
    this.storage.set(chunk.subarray(start, end), this.used);
    this.used += end - start;
    return true;
  }

  /**
   * The finished line without its terminator (a CRLF, or a bare LF which RFC 9112 §2.2 lets recipients accept), or
   * undefined when it is longer than `maxBytes`. A view into the buffer: use it before the next append; clears.
   */
  take(maxBytes: number): Uint8Array | undefined {
    let length = this.used;
    if (length > 0 && this.storage[length - 1] === 0x0d) length--;
    this.used = 0;
    return length > maxBytes ? undefined : this.storage.subarray(0, length);
  }
}
