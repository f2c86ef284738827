/** Helpers shared by the net/ codec tests: bytes from text, joining, and every way to split a byte stream. */

/** One byte per character (the tests write protocol text in ASCII; \xNN escapes give any byte). */
export function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new RangeError(`test text has a character above 0xFF at ${i}`);
    out[i] = code;
  }
  return out;
}

/** Bytes as text, one character per byte (for readable comparisons). */
export function text(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i++) out += String.fromCharCode(data[i]!);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The stream cut in two at `offset` (an empty piece is kept: parsers must cope with it). */
export function splitAt(data: Uint8Array, ...offsets: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const offset of offsets) {
    pieces.push(data.slice(start, offset));
    start = offset;
  }
  pieces.push(data.slice(start));
  return pieces;
}

/** Every byte on its own. */
export function byteByByte(data: Uint8Array): Uint8Array[] {
  return Array.from(data, (b) => Uint8Array.of(b));
}

/** A small deterministic pseudo-random generator (xorshift32), so a failing "random" test can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}
