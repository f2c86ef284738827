/**
 * Base64 (RFC 4648 §4), the standard alphabet with padding. Decoding is strict, because the only input here is a
 * WebSocket key that must decode to exactly 16 bytes (RFC 6455 §4.2.1): no whitespace, no missing padding
 * (RFC 4648 §3.2), no characters outside the alphabet (§3.3), no non-zero pad bits (§3.5).
 */
import { EncodingError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Character code → 6-bit value, or -1 for characters outside the alphabet. */
const VALUES = makeValues();

function makeValues(): Int8Array {
  const values = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) values[ALPHABET.charCodeAt(i)] = i;
  return values;
}

export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + '=';
  }
  return out;
}

/** Decode padded base64; throws EncodingError `BAD_BASE64` with the offset of the first bad character. */
export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) {
    throw new EncodingError('BAD_BASE64', `base64 length ${text.length} is not a multiple of 4`, text.length);
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const digits = last ? 4 - padding : 4;
    let n = 0;
    for (let j = 0; j < 4; j++) {
      n <<= 6;
      if (j >= digits) continue;
      const code = text.charCodeAt(i + j);
      const value = code < 128 ? VALUES[code]! : -1;
      if (value < 0) {
        throw new EncodingError('BAD_BASE64', `invalid base64 character at offset ${i + j}`, i + j);
      }
      n |= value;
    }
    if (digits === 2 && (n & 0xffff) !== 0) {
      throw new EncodingError('BAD_BASE64', `non-zero pad bits at offset ${i + 1}`, i + 1);
    }
    if (digits === 3 && (n & 0xff) !== 0) {
      throw new EncodingError('BAD_BASE64', `non-zero pad bits at offset ${i + 2}`, i + 2);
    }
    out[o++] = n >>> 16;
    if (digits >= 3) out[o++] = (n >>> 8) & 0xff;
    if (digits === 4) out[o++] = n & 0xff;
  }
  return out;
}
