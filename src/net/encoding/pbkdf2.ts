/**
 * PBKDF2 with HMAC-SHA256 as the pseudorandom function (RFC 8018 §5.2), portable: the admin password is stored as
 * PBKDF2(password, salt, c) so that a copy of the device's settings does not give the password away cheaply.
 *
 * The derivation is a stepper (`Pbkdf2Sha256.step(n)`): on the device one derivation takes about 2 s of CPU, and
 * the caller runs it a slice at a time between timer ticks so that the UART and the network keep being served
 * (see `derivePbkdf2Sha256` and src/service/password-store.ts).
 */
import type { Timer } from '../../io/contracts.js';
import { HmacSha256 } from './hmac.js';
import { SHA256_BYTES } from './sha256.js';

/** Most derived bytes: RFC 8018 §5.2 allows (2^32 − 1) · hLen; airboot needs 32 (tests use 64). */
export const PBKDF2_MAX_KEY_BYTES = 1024;

/** PBKDF2-HMAC-SHA256(password, salt, iterations) → `keyBytes` bytes, in one go (blocks until done). */
export function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  keyBytes: number,
): Uint8Array {
  const derivation = new Pbkdf2Sha256(password, salt, iterations, keyBytes);
  while (!derivation.step(iterations)) {
    // Each step does `iterations` rounds of one block; a long key has several blocks.
  }
  return derivation.key;
}

/**
 * The same, a slice of `sliceIterations` rounds per timer tick (0 ms), so a slow CPU keeps serving other work.
 * Resolves with the derived key.
 */
export function derivePbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  keyBytes: number,
  timer: Timer,
  sliceIterations = 64,
): Promise<Uint8Array> {
  const derivation = new Pbkdf2Sha256(password, salt, iterations, keyBytes);
  return new Promise((resolve, reject) => {
    const slice = () => {
      try {
        if (derivation.step(sliceIterations)) resolve(derivation.key);
        else timer.set(slice, 0);
      } catch (error) {
        reject(error);
      }
    };
    slice();
  });
}

/** One PBKDF2-HMAC-SHA256 derivation, advanced a number of rounds at a time. */
export class Pbkdf2Sha256 {
  /** The derived key, complete once `step` returned true. */
  readonly key: Uint8Array;
  private readonly prf: HmacSha256;
  private readonly salt: Uint8Array;
  private readonly blockIndex = new Uint8Array(4);
  /** U_j of the block being derived (RFC 8018 §5.2 step 3). */
  private readonly u = new Uint8Array(SHA256_BYTES);
  /** T_i, the XOR of the U_j so far. */
  private readonly t = new Uint8Array(SHA256_BYTES);
  /** Block i being derived, from 1. */
  private block = 1;
  /** Rounds of this block done (0: U_1 not computed yet). */
  private round = 0;
  private readonly blocks: number;

  constructor(
    password: Uint8Array,
    salt: Uint8Array,
    private readonly iterations: number,
    keyBytes: number,
  ) {
    if (!Number.isInteger(iterations) || iterations < 1) {
      throw new RangeError(`PBKDF2: iteration count must be a whole number ≥ 1, got ${iterations}`);
    }
    if (!Number.isInteger(keyBytes) || keyBytes < 1 || keyBytes > PBKDF2_MAX_KEY_BYTES) {
      throw new RangeError(`PBKDF2: key length must be 1..${PBKDF2_MAX_KEY_BYTES} bytes, got ${keyBytes}`);
    }
    this.prf = new HmacSha256(password);
    this.salt = salt.slice();
    this.key = new Uint8Array(keyBytes);
    this.blocks = Math.ceil(keyBytes / SHA256_BYTES);
  }

  /** Run up to `maxRounds` HMAC rounds; true once the whole key is derived. */
  step(maxRounds: number): boolean {
    let budget = maxRounds;
    while (this.block <= this.blocks && budget > 0) {
      if (this.round === 0) {
        // U_1 = PRF(P, S ‖ INT(i)), INT(i) big-endian (RFC 8018 §5.2 step 3).
        const i = this.block;
        this.blockIndex[0] = i >>> 24;
        this.blockIndex[1] = i >>> 16;
        this.blockIndex[2] = i >>> 8;
        this.blockIndex[3] = i;
        this.prf.macPartsInto([this.salt, this.blockIndex], this.u);
        this.t.set(this.u);
      } else {
        // U_j = PRF(P, U_{j−1}); T_i ^= U_j.
        this.prf.macInto(this.u, this.u);
        for (let k = 0; k < SHA256_BYTES; k++) this.t[k] = this.t[k]! ^ this.u[k]!;
      }
      this.round++;
      budget--;
      if (this.round === this.iterations) {
        const at = (this.block - 1) * SHA256_BYTES;
        this.key.set(this.t.subarray(0, Math.min(SHA256_BYTES, this.key.length - at)), at);
        this.block++;
        this.round = 0;
      }
    }
    return this.block > this.blocks;
  }
}

/**
 * Whether `a` and `b` hold the same bytes, in a time that depends only on their lengths (not on where they first
 * differ), so a remote attacker cannot learn a stored hash byte by byte from response times.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
