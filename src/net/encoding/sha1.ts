/**
 * SHA-1 (RFC 3174, FIPS 180-4 §6.1), portable: XS has no crypto module and the WebSocket handshake needs it
 * (RFC 6455 §4.2.2). SHA-1 is broken for collision resistance; here it only proves that a server read the key.
 *
 * Streaming with a fixed footprint: one 64-byte block buffer and an 80-word schedule, whatever the input size.
 */

/** SHA-1 of `bytes` as 20 bytes. */
export function sha1(bytes: Uint8Array): Uint8Array {
  return new Sha1().update(bytes).digest();
}

export class Sha1 {
  // Initial hash values H0..H4 (RFC 3174 §6.1).
  private readonly state = Int32Array.of(
    0x67452301,
    0xefcdab89 | 0,
    0x98badcfe | 0,
    0x10325476,
    0xc3d2e1f0 | 0,
  );
  private readonly block = new Uint8Array(64);
  private readonly schedule = new Int32Array(80);
  private blockLength = 0;
  private totalBytes = 0;
  private finished = false;

  /** Add more message bytes; returns this for chaining. */
  update(bytes: Uint8Array): this {
    if (this.finished) throw new RangeError('SHA-1: update() after digest()');
    this.totalBytes += bytes.length;
    let i = 0;
    while (i < bytes.length) {
      const take = Math.min(64 - this.blockLength, bytes.length - i);
      this.block.set(bytes.subarray(i, i + take), this.blockLength);
      this.blockLength += take;
      i += take;
      if (this.blockLength === 64) {
        this.compress();
        this.blockLength = 0;
      }
    }
    return this;
  }

  /** Finish and return the 20-byte digest. The object cannot be updated afterwards. */
  digest(): Uint8Array {
    if (this.finished) throw new RangeError('SHA-1: digest() called twice');
    this.finished = true;
    // Padding (RFC 3174 §4): a 1 bit, zeros up to 56 mod 64 bytes, then the message length in bits as 64 bits.
    const bitsHigh = Math.floor(this.totalBytes / 0x2000_0000);
    const bitsLow = (this.totalBytes % 0x2000_0000) * 8;
    this.block[this.blockLength++] = 0x80;
    if (this.blockLength > 56) {
      this.block.fill(0, this.blockLength);
      this.compress();
      this.blockLength = 0;
    }
    this.block.fill(0, this.blockLength, 56);
    writeUint32(this.block, 56, bitsHigh);
    writeUint32(this.block, 60, bitsLow);
    this.compress();
    const out = new Uint8Array(20);
    for (let i = 0; i < 5; i++) writeUint32(out, i * 4, this.state[i]!);
    return out;
  }

  /** Process one 64-byte block (RFC 3174 §6.1, method 1). */
  private compress(): void {
    const w = this.schedule;
    const b = this.block;
    for (let t = 0; t < 16; t++) {
      w[t] = (b[t * 4]! << 24) | (b[t * 4 + 1]! << 16) | (b[t * 4 + 2]! << 8) | b[t * 4 + 3]!;
    }
    for (let t = 16; t < 80; t++) w[t] = rotl(w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!, 1);
    const s = this.state;
    let a = s[0]!;
    let bb = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    let e = s[4]!;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const temp = (rotl(a, 5) + f + e + k + w[t]!) | 0;
      e = d;
      d = c;
      c = rotl(bb, 30);
      bb = a;
      a = temp;
    }
    s[0] = s[0]! + a;
    s[1] = s[1]! + bb;
    s[2] = s[2]! + c;
    s[3] = s[3]! + d;
    s[4] = s[4]! + e;
  }
}

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

function writeUint32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}
