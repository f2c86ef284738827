/**
 * SHA-256 (FIPS 180-4 §6.2), portable: XS has no crypto module, and the admin password is stored as
 * PBKDF2-HMAC-SHA256 (see hmac.ts, pbkdf2.ts).
 *
 * Blocks, padding and streaming are block-hash.ts's (shared with SHA-1); this file is the compression function and
 * its constants, with a 64-word message schedule.
 */
import { BlockHash, HASH_BLOCK_BYTES } from './block-hash.js';

/** Digest size, bytes (FIPS 180-4 §1). */
export const SHA256_BYTES = 32;
/** Block size, bytes (FIPS 180-4 §1); HMAC pads keys to this (RFC 2104 §2). */
export const SHA256_BLOCK_BYTES = HASH_BLOCK_BYTES;

// Round constants K0..K63: the first 32 bits of the fractional parts of the cube roots of the first 64 primes
// (FIPS 180-4 §4.2.2).
// Int32Array stores each constant modulo 2^32, as the signed words the compression works with.
// biome-ignore format: a table of the standard's constants, eight to a line as FIPS 180-4 prints them
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

// Initial hash value H(0) (FIPS 180-4 §5.3.3).
const H0 = Int32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);

/** SHA-256 of `bytes` as 32 bytes. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Sha256().update(bytes).digest();
}

export class Sha256 extends BlockHash {
  private readonly schedule = new Int32Array(64);

  constructor() {
    super('SHA-256', H0);
  }

  /**
   * Process one 64-byte block (FIPS 180-4 §6.2.2). The rotations are written out, not called: XS interprets, and a
   * function call per rotation made this three times slower there (ten rotations per round).
   */
  protected compress(): void {
    const w = this.schedule;
    const b = this.block;
    for (let t = 0; t < 16; t++) {
      const at = t * 4;
      w[t] = (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      // σ0 = ROTR7 ⊕ ROTR18 ⊕ SHR3, σ1 = ROTR17 ⊕ ROTR19 ⊕ SHR10 (FIPS 180-4 §4.1.2, (4.6) and (4.7)).
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (s1 + w[t - 7]! + s0 + w[t - 16]!) | 0;
    }
    const s = this.state;
    let a = s[0]!;
    let bb = s[1]!;
    let c = s[2]!;
    let d = s[3]!;
    let e = s[4]!;
    let f = s[5]!;
    let g = s[6]!;
    let h = s[7]!;
    for (let t = 0; t < 64; t++) {
      // Σ1 = ROTR6 ⊕ ROTR11 ⊕ ROTR25, Ch, Σ0 = ROTR2 ⊕ ROTR13 ⊕ ROTR22, Maj (FIPS 180-4 §4.1.2, (4.2)–(4.5)).
      const sum1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + sum1 + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
      const sum0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (sum0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) | 0;
    }
    s[0] = s[0]! + a;
    s[1] = s[1]! + bb;
    s[2] = s[2]! + c;
    s[3] = s[3]! + d;
    s[4] = s[4]! + e;
    s[5] = s[5]! + f;
    s[6] = s[6]! + g;
    s[7] = s[7]! + h;
  }
}
