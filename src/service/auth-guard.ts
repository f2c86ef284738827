/**
 * Who may change things: the admin password check shared by every door (HTTP, control port, RFC 2217, raw bridge),
 * with back-off after failures and login sessions (bearer tokens).
 *
 * - Back-off: after FREE_FAILURES wrong passwords from one remote address, each further attempt from it must wait
 *   1 s, 2 s, 4 s … up to 5 min (doubling per failure); a success clears it. Addresses are tracked in a table of
 *   at most `maxAddresses` entries (the oldest is dropped when full), so an attacker with many addresses is held
 *   back by the global limit instead: more than `globalFailures` failures within `globalWindowMs` and every
 *   address waits until the window ends. Memory is bounded either way. A token is not subject to the back-off:
 *   a logged-in page keeps working while someone else guesses. (A remembered password is: letting it through a
 *   back-off that refuses other guesses unchecked would tell a guesser when it guessed right.)
 * - One check at a time: a check costs ~1 s of CPU (password-store.ts); while one runs, others
 *   wait in a queue of at most `maxWaiting`, and past that get "too many attempts" (retry in 1 s).
 * - Sessions: a login returns a random token (128 bits, hex) valid `tokenTtlMs`; at most `maxTokens` live at once
 *   (a new one replaces the one closest to expiry). Tokens are kept as SHA-256 digests, so a lookup's timing
 *   says nothing about a valid token. Changing the password ends every session.
 * - A password that passed is remembered (as an HMAC under a per-boot random key, one entry, for the token
 *   lifetime) so that curl with Basic credentials does not pay the slow derivation on every request.
 */
import type { Timer } from '../io/contracts.js';
import { HmacSha256 } from '../net/encoding/hmac.js';
import { constantTimeEqual } from '../net/encoding/pbkdf2.js';
import { sha256 } from '../net/encoding/sha256.js';
import { encodeUtf8 } from '../net/encoding/utf8.js';
import type { PasswordStore, RandomFill } from './password-store.js';

/** Wrong passwords an address may send before it must wait. */
export const FREE_FAILURES = 3;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 5 * 60_000;
const TOKEN_BYTES = 16;

export interface AuthGuardOptions {
  password: PasswordStore;
  timer: Timer;
  /** Where tokens come from (the device's RNG; Node: crypto.getRandomValues). */
  random: RandomFill;
  /** Lifetime of a login session, ms. Default 12 h. */
  tokenTtlMs?: number;
  /** Sessions at once. Default 8. */
  maxTokens?: number;
  /** Remote addresses whose failures are remembered. Default 16 (about 1 KiB on the device). */
  maxAddresses?: number;
  /** Failures from all addresses within `globalWindowMs` beyond which everyone waits. Default 30. */
  globalFailures?: number;
  /** Default 60 s. */
  globalWindowMs?: number;
  /** Checks waiting for the one running. Default 4. */
  maxWaiting?: number;
}

/** The outcome of a password check. */
export type PasswordCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'BAD_PASSWORD' }
  /** Back-off: not checked; try again in `retryAfterMs`. */
  | { readonly ok: false; readonly reason: 'TOO_MANY_ATTEMPTS'; readonly retryAfterMs: number };

export type LoginResult =
  | { readonly ok: true; readonly token: string; readonly expiresInMs: number }
  | Exclude<PasswordCheck, { ok: true }>;

interface Failures {
  count: number;
  /** Timer time before which the address may not try again. */
  blockedUntil: number;
  lastAt: number;
}

export class AuthGuard {
  private readonly options: Required<Omit<AuthGuardOptions, 'password' | 'timer' | 'random'>>;
  private readonly addresses = new Map<string, Failures>();
  /** SHA-256 (hex) of each live token → its expiry (timer time). */
  private readonly tokens = new Map<string, number>();
  private globalCount = 0;
  private globalStart = 0;
  private checking: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  /** HMAC key for `remembered`, random per boot (made at the first success: a runtime without a random source
   * can still check passwords, it only cannot issue tokens). */
  private rememberKey: HmacSha256 | undefined;
  private remembered: { mac: Uint8Array; until: number; generation: number } | undefined;
  private generation: number;

  constructor(private readonly deps: AuthGuardOptions) {
    this.options = {
      tokenTtlMs: deps.tokenTtlMs ?? 12 * 3600_000,
      maxTokens: deps.maxTokens ?? 8,
      maxAddresses: deps.maxAddresses ?? 16,
      globalFailures: deps.globalFailures ?? 30,
      globalWindowMs: deps.globalWindowMs ?? 60_000,
      maxWaiting: deps.maxWaiting ?? 4,
    };
    this.generation = deps.password.generation;
  }

  /** Whether an admin password is set: then state-changing actions need credentials. */
  get required(): boolean {
    return this.deps.password.isSet;
  }

  /** Changes when the password changes: a door that keeps its own login (control port) compares it. */
  get passwordGeneration(): number {
    return this.deps.password.generation;
  }

  /** Milliseconds `remote` must wait before its next attempt (0: it may try now). */
  retryAfterMs(remote: string): number {
    const now = this.deps.timer.now();
    let wait = 0;
    if (
      this.globalCount > this.options.globalFailures &&
      now - this.globalStart < this.options.globalWindowMs
    ) {
      wait = this.globalStart + this.options.globalWindowMs - now;
    }
    const entry = this.addresses.get(remote);
    if (entry && entry.blockedUntil > now) wait = Math.max(wait, entry.blockedUntil - now);
    return Math.ceil(wait);
  }

  /** Check the admin password sent by `remote` (Basic, control port `login`, RFC 2217 line), with back-off. */
  async checkPassword(password: string, remote: string): Promise<PasswordCheck> {
    this.noticePasswordChange();
    const retryAfterMs = this.retryAfterMs(remote);
    if (retryAfterMs > 0) return { ok: false, reason: 'TOO_MANY_ATTEMPTS', retryAfterMs };
    if (this.isRemembered(password)) return { ok: true };
    if (this.waiting >= this.options.maxWaiting) {
      return { ok: false, reason: 'TOO_MANY_ATTEMPTS', retryAfterMs: FIRST_DELAY_MS };
    }
    this.waiting++;
    const turn = this.checking.then(() => this.deps.password.verify(password));
    this.checking = turn.catch(() => undefined);
    let good: boolean;
    try {
      good = await turn;
    } finally {
      this.waiting--;
    }
    if (good) {
      this.addresses.delete(remote);
      this.remember(password);
      return { ok: true };
    }
    this.recordFailure(remote);
    return { ok: false, reason: 'BAD_PASSWORD' };
  }

  /** POST /api/login: check the password and open a session. */
  async login(password: string, remote: string): Promise<LoginResult> {
    const check = await this.checkPassword(password, remote);
    if (!check.ok) return check;
    return { ok: true, token: this.issueToken(), expiresInMs: this.options.tokenTtlMs };
  }

  /** Whether `token` is a live session. */
  checkToken(token: string): boolean {
    this.noticePasswordChange();
    const key = tokenKey(token);
    const expiry = this.tokens.get(key);
    if (expiry === undefined) return false;
    if (expiry <= this.deps.timer.now()) {
      this.tokens.delete(key);
      return false;
    }
    return true;
  }

  /** End the session of `token` (nothing when it is not one). */
  logout(token: string): void {
    this.tokens.delete(tokenKey(token));
  }

  /** Live sessions (tests, status). */
  get sessionCount(): number {
    const now = this.deps.timer.now();
    for (const [key, expiry] of this.tokens) if (expiry <= now) this.tokens.delete(key);
    return this.tokens.size;
  }

  private issueToken(): string {
    const now = this.deps.timer.now();
    for (const [key, expiry] of this.tokens) if (expiry <= now) this.tokens.delete(key);
    if (this.tokens.size >= this.options.maxTokens) {
      let soonest: string | undefined;
      let soonestAt = Number.POSITIVE_INFINITY;
      for (const [key, expiry] of this.tokens) {
        if (expiry < soonestAt) {
          soonest = key;
          soonestAt = expiry;
        }
      }
      if (soonest !== undefined) this.tokens.delete(soonest);
    }
    const bytes = new Uint8Array(TOKEN_BYTES);
    this.deps.random(bytes);
    const token = toHex(bytes);
    this.tokens.set(tokenKey(token), now + this.options.tokenTtlMs);
    return token;
  }

  private recordFailure(remote: string): void {
    const now = this.deps.timer.now();
    if (now - this.globalStart >= this.options.globalWindowMs) {
      this.globalStart = now;
      this.globalCount = 0;
    }
    this.globalCount++;
    let entry = this.addresses.get(remote);
    if (!entry) {
      if (this.addresses.size >= this.options.maxAddresses) this.forgetOldestAddress();
      entry = { count: 0, blockedUntil: 0, lastAt: now };
      this.addresses.set(remote, entry);
    }
    entry.count++;
    entry.lastAt = now;
    if (entry.count >= FREE_FAILURES) {
      const doublings = Math.min(entry.count - FREE_FAILURES, 20);
      entry.blockedUntil = now + Math.min(FIRST_DELAY_MS * 2 ** doublings, MAX_DELAY_MS);
    }
  }

  private forgetOldestAddress(): void {
    let oldest: string | undefined;
    let oldestAt = Number.POSITIVE_INFINITY;
    for (const [address, entry] of this.addresses) {
      if (entry.lastAt < oldestAt) {
        oldest = address;
        oldestAt = entry.lastAt;
      }
    }
    if (oldest !== undefined) this.addresses.delete(oldest);
  }

  private remember(password: string): void {
    if (!this.rememberKey) {
      const key = new Uint8Array(32);
      try {
        this.deps.random(key);
      } catch {
        return;
      }
      this.rememberKey = new HmacSha256(key);
    }
    const mac = new Uint8Array(32);
    this.rememberKey.macInto(encodeUtf8(password), mac);
    this.remembered = {
      mac,
      until: this.deps.timer.now() + this.options.tokenTtlMs,
      generation: this.deps.password.generation,
    };
  }

  private isRemembered(password: string): boolean {
    const remembered = this.remembered;
    if (!remembered || !this.rememberKey || remembered.generation !== this.deps.password.generation)
      return false;
    if (remembered.until <= this.deps.timer.now()) {
      this.remembered = undefined;
      return false;
    }
    const mac = new Uint8Array(32);
    this.rememberKey.macInto(encodeUtf8(password), mac);
    return constantTimeEqual(mac, remembered.mac);
  }

  /** A new password (or none) ends every session and forgets the remembered one. */
  private noticePasswordChange(): void {
    const now = this.deps.password.generation;
    if (now === this.generation) return;
    this.generation = now;
    this.tokens.clear();
    this.remembered = undefined;
  }
}

function tokenKey(token: string): string {
  return toHex(sha256(encodeUtf8(token)));
}

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return out;
}
