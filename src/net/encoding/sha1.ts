/**
 * SHA-1 (RFC 3174, FIPS 180-4 §6.1), portable: XS has no crypto module and the WebSocket handshake needs it
 * (RFC 6455 §4.2.2). SHA-1 is broken for collision resistance; here it only proves that a server read the key.
 *
 * Blocks, padding and streaming are block-hash.ts's (shared with SHA-256); this file is the compression function,
 * with an 80-word message schedule.
 */
import { BlockHash } from './block-hash.js';

/** SHA-1 of `bytes` as 20 bytes. */
export function sha1(bytes: Uint8Array): Uint8Array {
  return new Sha1().update(bytes).digest();
}

// Initial hash values H0..H4 (RFC 3174 §6.1).
const H0 = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0);

export class Sha1 extends BlockHash {
  private readonly schedule = new Int32Array(80);

  constructor() {
    super('SHA-1', H0);
  }

  /** Process one 64-byte block (RFC 3174 §6.1, method 1). */
  protected compress(): void {
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
