/**
 * HMAC-SHA256 (RFC 2104, FIPS 198-1), portable. The keyed inner and outer states are computed once, so each MAC of
 * a short message costs two SHA-256 compressions: PBKDF2 (pbkdf2.ts) computes thousands of them.
 */
import { SHA256_BLOCK_BYTES, SHA256_BYTES, Sha256 } from './sha256.js';

/** HMAC-SHA256 of `message` under `key`, 32 bytes. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(SHA256_BYTES);
  new HmacSha256(key).macInto(message, out);
  return out;
}

/** One key, many messages; no allocation per message. */
export class HmacSha256 {
  /** SHA-256 state after hashing K ⊕ ipad (RFC 2104 §2, step 2–3). */
  private readonly inner = new Sha256();
  /** SHA-256 state after hashing K ⊕ opad (RFC 2104 §2, step 5–6). */
  private readonly outer = new Sha256();
  private readonly work = new Sha256();
  private readonly innerDigest = new Uint8Array(SHA256_BYTES);

  constructor(key: Uint8Array) {
    // A key longer than the block is hashed first (RFC 2104 §2); a shorter one is padded with zeros.
    const padded = new Uint8Array(SHA256_BLOCK_BYTES);
    if (key.length > SHA256_BLOCK_BYTES) new Sha256().update(key).digestInto(padded);
    else padded.set(key);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) padded[i] = padded[i]! ^ 0x36;
    this.inner.update(padded);
    // (K ⊕ ipad) ⊕ (0x36 ⊕ 0x5c) = K ⊕ opad.
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) padded[i] = padded[i]! ^ (0x36 ^ 0x5c);
    this.outer.update(padded);
    padded.fill(0);
  }

  /** Write HMAC(key, message) into `out` at `offset` (32 bytes). `message` may be `out` itself. */
  macInto(message: Uint8Array, out: Uint8Array, offset = 0): void {
    this.work.copyFrom(this.inner).update(message).digestInto(this.innerDigest);
    this.work.copyFrom(this.outer).update(this.innerDigest).digestInto(out, offset);
  }

  /** HMAC of the concatenation of `parts` (PBKDF2's first round MACs salt ‖ INT(i) without joining them). */
  macPartsInto(parts: readonly Uint8Array[], out: Uint8Array, offset = 0): void {
    this.work.copyFrom(this.inner);
    for (const part of parts) this.work.update(part);
    this.work.digestInto(this.innerDigest);
    this.work.copyFrom(this.outer).update(this.innerDigest).digestInto(out, offset);
  }
}
