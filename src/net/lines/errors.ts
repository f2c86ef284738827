import { AirbootError } from '../../io/errors.js';

/** A line longer than the reader's limit arrived; the rest of it, up to its end, is discarded. */
export class LineTooLongError extends AirbootError {
  override readonly code = 'LINE_TOO_LONG' as const;
  constructor(
    /** The limit, in bytes without the line terminator. */
    readonly maxBytes: number,
    /** Bytes received on the connection (after Telnet stripping) when the limit was crossed. */
    readonly offset: number,
  ) {
    super('LINE_TOO_LONG', `line longer than ${maxBytes} bytes; the rest of it is ignored`);
  }
}
