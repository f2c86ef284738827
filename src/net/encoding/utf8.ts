/**
 * UTF-8 (RFC 3629) without TextEncoder/TextDecoder, which a Moddable build only has when its manifest adds them.
 * The validator follows the table of well-formed byte sequences (Unicode 15 Table 3-7; RFC 3629 §4): it rejects
 * overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF as soon as the offending byte arrives,
 * which RFC 6455 §8.1 asks of a WebSocket endpoint ("fail fast").
 */
import { EncodingError } from './errors.js';

/**
 * Incremental UTF-8 check across any number of chunks. `push` returns false from the first invalid byte on (and
 * stays false); `complete` says whether the bytes so far end on a character boundary.
 */
export class Utf8Validator {
  /** Continuation bytes still expected for the current character. */
  private needed = 0;
  /** Allowed range of the next continuation byte (narrower than 0x80..0xBF right after E0, ED, F0, F4). */
  private lower = 0x80;
  private upper = 0xbf;
  private broken = false;
  /** Bytes accepted so far; after a failure, the offset of the offending byte. */
  offset = 0;

  /** Check `bytes[start, end)`. False when they (with what came before) cannot be UTF-8. */
  push(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    if (this.broken) return false;
    for (let i = start; i < end; i++) {
      if (!this.accept(bytes[i]!)) {
        this.broken = true;
        return false;
      }
      this.offset++;
    }
    return true;
  }

  /** True when no character is cut in the middle (and nothing invalid was seen). */
  get complete(): boolean {
    return !this.broken && this.needed === 0;
  }

  get valid(): boolean {
    return !this.broken;
  }

  /** Forget everything, ready for a new text. */
  reset(): void {
    this.needed = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
    this.broken = false;
    this.offset = 0;
  }

  private accept(byte: number): boolean {
    if (this.needed > 0) {
      if (byte < this.lower || byte > this.upper) return false;
      this.lower = 0x80;
      this.upper = 0xbf;
      this.needed--;
      return true;
    }
    if (byte < 0x80) return true;
    if (byte >= 0xc2 && byte <= 0xdf) {
      this.needed = 1;
    } else if (byte >= 0xe0 && byte <= 0xef) {
      this.needed = 2;
      if (byte === 0xe0) this.lower = 0xa0; // no overlong 3-byte forms
      if (byte === 0xed) this.upper = 0x9f; // no surrogates
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      this.needed = 3;
      if (byte === 0xf0) this.lower = 0x90; // no overlong 4-byte forms
      if (byte === 0xf4) this.upper = 0x8f; // nothing above U+10FFFF
    } else {
      return false; // 0x80..0xC1 (stray continuation, overlong 2-byte lead) and 0xF5..0xFF never start a character
    }
    return true;
  }
}

/** Whole-buffer check. */
export function isUtf8(bytes: Uint8Array): boolean {
  const validator = new Utf8Validator();
  return validator.push(bytes) && validator.complete;
}

/** UTF-8 bytes of `text`; a lone surrogate becomes U+FFFD, as the WHATWG encoder does. */
export function encodeUtf8(text: string): Uint8Array {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = codePointAt(text, i);
    if (cp > 0xffff) i++;
    length += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  const out = new Uint8Array(length);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = codePointAt(text, i);
    if (cp > 0xffff) i++;
    if (cp < 0x80) {
      out[o++] = cp;
    } else if (cp < 0x800) {
      out[o++] = 0xc0 | (cp >> 6);
      out[o++] = 0x80 | (cp & 63);
    } else if (cp < 0x10000) {
      out[o++] = 0xe0 | (cp >> 12);
      out[o++] = 0x80 | ((cp >> 6) & 63);
      out[o++] = 0x80 | (cp & 63);
    } else {
      out[o++] = 0xf0 | (cp >> 18);
      out[o++] = 0x80 | ((cp >> 12) & 63);
      out[o++] = 0x80 | ((cp >> 6) & 63);
      out[o++] = 0x80 | (cp & 63);
    }
  }
  return out;
}

/** Code point at `i`, pairing surrogates; a lone surrogate reads as U+FFFD. */
function codePointAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit < 0xd800 || unit > 0xdfff) return unit;
  if (unit <= 0xdbff && i + 1 < text.length) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
  }
  return 0xfffd;
}

/** Decode strict UTF-8; throws EncodingError `BAD_UTF8` with the offset of the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const validator = new Utf8Validator();
  if (!validator.push(bytes, start, end) || !validator.complete) {
    const offset = start + validator.offset;
    const what = validator.valid ? 'UTF-8 text ends inside a character' : 'invalid UTF-8';
    throw new EncodingError('BAD_UTF8', `${what} at byte ${offset}`, offset);
  }
  let out = '';
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    let cp: number;
    if (b < 0x80) {
      cp = b;
      i += 1;
    } else if (b < 0xe0) {
      cp = ((b & 0x1f) << 6) | (bytes[i + 1]! & 63);
      i += 2;
    } else if (b < 0xf0) {
      cp = ((b & 0x0f) << 12) | ((bytes[i + 1]! & 63) << 6) | (bytes[i + 2]! & 63);
      i += 3;
    } else {
      cp =
        ((b & 0x07) << 18) |
        ((bytes[i + 1]! & 63) << 12) |
        ((bytes[i + 2]! & 63) << 6) |
        (bytes[i + 3]! & 63);
      i += 4;
    }
    out += String.fromCodePoint(cp);
  }
  return out;
}
