import { AirbootError } from '../../io/errors.js';

/**
 * Bytes or text that are not a valid encoding: `BAD_BASE64` (RFC 4648) or `BAD_UTF8` (RFC 3629). `offset` is the
 * position of the first offending character or byte.
 */
export class EncodingError extends AirbootError {
  constructor(
    code: 'BAD_BASE64' | 'BAD_UTF8',
    message: string,
    readonly offset: number,
  ) {
    super(code, message);
  }
}
