/**
 * The base of every error airboot throws on purpose: a stable `code` a program can test, and a message a person can
 * act on. Subclasses add the context of their kind (command, address, line, …).
 */
export class AirbootError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    // Defined, not assigned: on a Moddable device the built-ins are frozen when the firmware is preloaded into flash,
    // and assigning `name` over the frozen Error.prototype.name throws (the "override mistake").
    Object.defineProperty(this, 'name', { value: new.target.name, writable: true, configurable: true });
  }
}

/** A read did not get the bytes it waited for in time. */
export class ChannelTimeoutError extends AirbootError {
  constructor(
    readonly expected: number,
    readonly received: Uint8Array,
    readonly timeoutMs: number,
  ) {
    super('CHANNEL_TIMEOUT', `expected ${expected} byte(s) within ${timeoutMs} ms, got ${received.length}`);
  }
}

/** More bytes arrived than the channel may hold; some were lost. */
export class ChannelOverflowError extends AirbootError {
  constructor(
    readonly capacity: number,
    readonly dropped: number,
  ) {
    super('CHANNEL_OVERFLOW', `input overflowed its ${capacity}-byte buffer; ${dropped} byte(s) lost`);
  }
}

/** The channel was closed, failed, or the operation was cancelled. */
export class ChannelClosedError extends AirbootError {
  constructor(reason: string) {
    super('CHANNEL_CLOSED', reason);
  }
}

/** An operation was cancelled on request. */
export class CancelledError extends AirbootError {
  constructor(what = 'operation') {
    super('CANCELLED', `${what} cancelled`);
  }
}
