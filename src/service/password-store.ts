/**
 * The admin password, stored salted and hashed, never in clear: PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) of the UTF-8
 * password with a random 16-byte salt, 32 derived bytes.
 *
 * The device's key-value store takes values of ≤ 63 bytes (see settings.ts), so the stored form is two keys:
 *   admin.salt = "pbkdf2-sha256:<iterations>:<salt, base64>"   (45 bytes with 16 bytes of salt)
 *   admin.hash = "<derived key, base64>"                        (44 bytes)
 * The iteration count is stored with the salt, so a later version may raise it without locking anyone out.
 *
 * Iterations: chosen when the password is set, by timing the derivation on this very machine, so that one check
 * costs about PASSWORD_BUDGET_MS (1 s) wherever the service runs, and stored with the salt. Measured on the 2-core
 * x86 build machine: this SHA-256 in XS (xsnap) does 1000 rounds in 0.22 s, in V8 (compiled) in 2.3 ms. An ESP8266
 * running XS is estimated 50–150 times slower than that XS (80–160 MHz, bytecode interpreter, code from flash),
 * 11–33 ms a round: 1 s buys it about 30–90 rounds, a PC about 400 000 (capped at MAX_ITERATIONS, OWASP's 600 000).
 * The floor (MIN_ITERATIONS = 64) costs ≤ 2.1 s on the slowest estimate; a device this slow cannot afford more and
 * still serve its UART. So a device's hash resists offline guessing far less than a PC's: the salt still forces an
 * attacker to attack each device separately, and the back-off (auth-guard.ts) limits online guessing to a few
 * attempts a minute. Without a timer (tests) the count is PASSWORD_ITERATIONS or what `iterations` says. A check
 * runs in timer slices (derivePbkdf2Sha256) so the UART keeps flowing while it runs; setting a password derives in
 * one go (rare, done by the admin) and holds the CPU for about 1–2 s.
 */
import type { Storage, Timer } from '../io/contracts.js';
import { decodeBase64, encodeBase64 } from '../net/encoding/base64.js';
import { constantTimeEqual, derivePbkdf2Sha256, pbkdf2Sha256 } from '../net/encoding/pbkdf2.js';
import { encodeUtf8 } from '../net/encoding/utf8.js';

/** Fills `into` with bytes from a cryptographically strong random source (Node: crypto.getRandomValues). */
export type RandomFill = (into: Uint8Array) => void;

/** Rounds of PBKDF2 for a new password when no timer measures the machine (see the file comment). */
export const PASSWORD_ITERATIONS = 1000;
/** What one check should cost, ms of CPU, when the count is calibrated. */
export const PASSWORD_BUDGET_MS = 1000;
/** Fewest rounds a calibrated count may have. */
export const MIN_ITERATIONS = 64;
/** Most rounds a calibrated count may have: OWASP's figure for PBKDF2-HMAC-SHA256 (about 1.4 s with V8 here). */
export const MAX_ITERATIONS = 600_000;
/** Salt bytes (RFC 8018 §4.1 asks at least 8). */
export const PASSWORD_SALT_BYTES = 16;
/** Derived key bytes: one SHA-256 output, so one PBKDF2 block. */
export const PASSWORD_HASH_BYTES = 32;
/** Most characters of a password (a Basic header carries it; the login body has its own limit). */
export const PASSWORD_MAX_LENGTH = 64;
/** Most rounds stored iteration counts may ask for (a damaged key must not make a check take hours). */
const MAX_STORED_ITERATIONS = 1_000_000;

/** Storage keys of the stored form; not settings (the settings schema does not name them, the API never shows them). */
export const PASSWORD_SALT_KEY = 'admin.salt';
export const PASSWORD_HASH_KEY = 'admin.hash';

const SCHEME = 'pbkdf2-sha256';

interface StoredPassword {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

export interface PasswordStoreOptions {
  /** Where salts come from; without it a password cannot be set (checking one still works). */
  random?: RandomFill;
  /** Rounds for a new password. Default: calibrated with `timer`, else PASSWORD_ITERATIONS; tests pass few. */
  iterations?: number;
  /**
   * With a timer, a new password's round count is calibrated to cost PASSWORD_BUDGET_MS, and `verify` derives in
   * slices between ticks instead of in one go.
   */
  timer?: Timer;
  /** Rounds per slice with a timer. Default 64 (about 0.1 s on an ESP8266). */
  sliceIterations?: number;
}

export class PasswordStore {
  private stored: StoredPassword | undefined;
  private changes = 0;

  constructor(
    private readonly storage: Storage,
    private readonly options: PasswordStoreOptions = {},
  ) {
    this.stored = readStored(storage);
  }

  /** Whether an admin password is set (then the service asks for it). */
  get isSet(): boolean {
    return this.stored !== undefined;
  }

  /** Counts `set` calls: sessions and cached checks made under an older password end when it changes. */
  get generation(): number {
    return this.changes;
  }

  /** Whether a password can be set here (a random source was given). */
  get canSet(): boolean {
    return this.options.random !== undefined;
  }

  /**
   * Set a new password ('' removes it). Derives in one go: setting a password is rare and done by the admin.
   * Throws when no random source was given or the password is too long.
   */
  set(password: string): void {
    this.changes++;
    if (password === '') {
      this.storage.delete(PASSWORD_SALT_KEY);
      this.storage.delete(PASSWORD_HASH_KEY);
      this.stored = undefined;
      return;
    }
    const problem = passwordProblem(password);
    if (problem) throw new RangeError(`admin.password ${problem}`);
    const random = this.options.random;
    if (!random)
      throw new Error('admin.password cannot be set: this runtime gave no random source for the salt');
    const salt = new Uint8Array(PASSWORD_SALT_BYTES);
    random(salt);
    const iterations = this.options.iterations ?? this.calibrate();
    const hash = pbkdf2Sha256(encodeUtf8(password), salt, iterations, PASSWORD_HASH_BYTES);
    // Hash first: a salt without its hash reads as "no password", never as a password nobody knows.
    this.storage.delete(PASSWORD_HASH_KEY);
    this.storage.write(PASSWORD_SALT_KEY, `${SCHEME}:${iterations}:${encodeBase64(salt)}`);
    this.storage.write(PASSWORD_HASH_KEY, encodeBase64(hash));
    this.stored = { iterations, salt, hash };
  }

  /**
   * Rounds that cost about PASSWORD_BUDGET_MS here: time a probe, doubling it until it takes at least 100 ms (a
   * clock with coarse ticks; on V8 the early, not yet compiled probes would make the machine look slow), then
   * scale. Without a timer, or with one that does not move while the CPU works: PASSWORD_ITERATIONS.
   */
  private calibrate(): number {
    const timer = this.options.timer;
    if (!timer) return PASSWORD_ITERATIONS;
    const probeSalt = new Uint8Array(PASSWORD_SALT_BYTES);
    for (let probe = 32; probe <= MAX_ITERATIONS; probe *= 2) {
      const started = timer.now();
      pbkdf2Sha256(probeSalt, probeSalt, probe, PASSWORD_HASH_BYTES);
      const elapsed = timer.now() - started;
      // A clock that stood still through thousands of rounds does not measure CPU time (a test's VirtualClock):
      // nothing to calibrate with. A real one moves: 4096 rounds take ~9 ms even on V8 (XS: about 1 s).
      if (elapsed === 0 && probe >= 4 * PASSWORD_ITERATIONS) return PASSWORD_ITERATIONS;
      if (elapsed >= 100) {
        const rounds = Math.floor((PASSWORD_BUDGET_MS * probe) / elapsed);
        return Math.max(MIN_ITERATIONS, Math.min(MAX_ITERATIONS, rounds));
      }
    }
    return MAX_ITERATIONS;
  }

  /**
   * Whether `password` is the admin password (false when none is set). The comparison of the derived keys is
   * constant-time; the derivation itself costs the same for every guess.
   */
  async verify(password: string): Promise<boolean> {
    const stored = this.stored;
    if (!stored || password.length > PASSWORD_MAX_LENGTH * 4) return false;
    const timer = this.options.timer;
    const bytes = encodeUtf8(password);
    const derived = timer
      ? await derivePbkdf2Sha256(
          bytes,
          stored.salt,
          stored.iterations,
          PASSWORD_HASH_BYTES,
          timer,
          this.options.sliceIterations,
        )
      : pbkdf2Sha256(bytes, stored.salt, stored.iterations, PASSWORD_HASH_BYTES);
    // The password may have changed while deriving: compare with what was used.
    return this.stored === stored && constantTimeEqual(derived, stored.hash);
  }
}

/** Why `password` cannot be an admin password, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (/[\x00-\x1f\x7f]/.test(password)) return 'must not contain control characters';
  return undefined;
}

/**
 * The stored form; undefined when there is none (or only a salt: `set` was cut between its two writes). A damaged
 * form fails closed: a password is asked and none matches (the admin erases the settings storage to recover),
 * because reading damage as "no password" would open the device to anyone who can corrupt it.
 */
function readStored(storage: Storage): StoredPassword | undefined {
  const saltText = storage.read(PASSWORD_SALT_KEY);
  const hashText = storage.read(PASSWORD_HASH_KEY);
  if (saltText === undefined || hashText === undefined) return undefined;
  const parts = saltText.split(':');
  const iterations = parts.length === 3 && /^\d{1,7}$/.test(parts[1]!) ? Number(parts[1]) : 0;
  try {
    const salt = decodeBase64(parts[2] ?? '');
    const hash = decodeBase64(hashText);
    if (
      parts[0] === SCHEME &&
      iterations >= 1 &&
      iterations <= MAX_STORED_ITERATIONS &&
      salt.length >= 8 &&
      hash.length === PASSWORD_HASH_BYTES
    ) {
      return { iterations, salt, hash };
    }
  } catch {
    // Damaged base64: locked, below.
  }
  return LOCKED;
}

/** A stored form no password matches: its hash has the wrong length for constantTimeEqual. */
const LOCKED: StoredPassword = Object.freeze({
  iterations: 1,
  salt: new Uint8Array(8),
  hash: new Uint8Array(0),
});
