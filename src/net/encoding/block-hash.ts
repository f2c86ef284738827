/**
 * The framing SHA-1 and SHA-256 share (FIPS 180-4 §5): the message is cut into 64-byte blocks, each folded into a
 * state of 32-bit words by the algorithm's compression function, and the last block is padded with a 1 bit, zeros
 * and the message length in bits as a 64-bit big-endian number (§5.1.1). The digest is the state, big-endian (§6).
 *
 * Streaming with a fixed footprint: one 64-byte block buffer and the subclass's message schedule, whatever the
 * input size. Words are kept as signed 32-bit integers so that XS keeps them as integers, not doubles.
 */

/** Block size of SHA-1 and SHA-256, bytes (FIPS 180-4 §1); HMAC pads keys to this (RFC 2104 §2). */
export const HASH_BLOCK_BYTES = 64;

export abstract class BlockHash {
  /** The hash value H: as many words as the digest has (5 for SHA-1, 8 for SHA-256). */
  protected readonly state: Int32Array;
  /** The block being filled; compress() reads it. */
  protected readonly block = new Uint8Array(HASH_BLOCK_BYTES);
  private blockLength = 0;
  private totalBytes = 0;
  private finished = false;

  /**
   * @param name for error messages ("SHA-256")
   * @param initial the initial hash value H(0) of the algorithm
   */
  protected constructor(
    private readonly name: string,
    private readonly initial: Int32Array,
  ) {
    this.state = Int32Array.from(initial);
  }

  /** Digest size, bytes. */
  get digestBytes(): number {
    return this.state.length * 4;
  }

  /** Fold `this.block` into `this.state` (the algorithm's compression function). */
  protected abstract compress(): void;

  /** Add more message bytes; returns this for chaining. */
  update(bytes: Uint8Array): this {
    if (this.finished) throw new RangeError(`${this.name}: update() after digest()`);
    this.totalBytes += bytes.length;
    let i = 0;
    while (i < bytes.length) {
      const take = Math.min(HASH_BLOCK_BYTES - this.blockLength, bytes.length - i);
      this.block.set(bytes.subarray(i, i + take), this.blockLength);
      this.blockLength += take;
      i += take;
      if (this.blockLength === HASH_BLOCK_BYTES) {
        this.compress();
        this.blockLength = 0;
      }
    }
    return this;
  }

  /** Finish and return the digest. The object cannot be updated afterwards (until reset()). */
  digest(): Uint8Array {
    const out = new Uint8Array(this.digestBytes);
    this.digestInto(out);
    return out;
  }

  /** Finish and write the digest into `out` at `offset` (no allocation: PBKDF2 calls this per round). */
  digestInto(out: Uint8Array, offset = 0): void {
    if (this.finished) throw new RangeError(`${this.name}: digest() called twice`);
    this.finished = true;
    // Padding (FIPS 180-4 §5.1.1): a 1 bit, zeros up to 56 mod 64 bytes, then the length in bits as 64 bits.
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
    for (let i = 0; i < this.state.length; i++) writeUint32(out, offset + i * 4, this.state[i]!);
  }

  /** Become a copy of `other` (same state and buffered bytes): HMAC restarts from its keyed states this way. */
  copyFrom(other: this): this {
    this.state.set(other.state);
    this.block.set(other.block);
    this.blockLength = other.blockLength;
    this.totalBytes = other.totalBytes;
    this.finished = other.finished;
    return this;
  }

  /** Start over with the initial hash value. */
  reset(): this {
    this.state.set(this.initial);
    this.blockLength = 0;
    this.totalBytes = 0;
    this.finished = false;
    return this;
  }
}

function writeUint32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}
