import { AirbootError } from '../../io/errors.js';

/**
 * Stable codes of HttpError, each with the status a server answers (RFC 9110 §15). The codes are what programs
 * test; the status is what goes on the wire.
 */
export const HTTP_ERROR_STATUS = {
  /** Malformed request line, header field, framing or target (RFC 9112 §3, §5, §6.3). */
  BAD_REQUEST: 400,
  /** Malformed chunked transfer coding (RFC 9112 §7.1). */
  BAD_CHUNK: 400,
  /** Request line longer than the limit (RFC 9110 §15.5.15). */
  URI_TOO_LONG: 414,
  /** A header line, the header section or the header count over the limit (RFC 6585 §5). */
  HEADERS_TOO_LARGE: 431,
  /** Body larger than the limit (RFC 9110 §15.5.14). */
  BODY_TOO_LARGE: 413,
  /** HTTP major version other than 1 (RFC 9110 §15.6.6). */
  UNSUPPORTED_VERSION: 505,
  /** A transfer coding or method the server does not implement (RFC 9112 §6.1, RFC 9110 §15.6.2). */
  NOT_IMPLEMENTED: 501,
  /** Content-Type the body parser cannot handle (RFC 9110 §15.5.16). */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** multipart/form-data with a missing or invalid boundary parameter (RFC 7578 §4.1, RFC 2046 §5.1.1). */
  MULTIPART_BAD_BOUNDARY: 400,
  /** Something other than `--` or CRLF after a boundary delimiter (RFC 2046 §5.1.1). */
  MULTIPART_BAD_DELIMITER: 400,
  /** A part header that is malformed or lacks `Content-Disposition: form-data; name=…` (RFC 7578 §4.2). */
  MULTIPART_BAD_HEADER: 400,
  /** A part's header section over the limit. */
  MULTIPART_HEADER_TOO_LARGE: 400,
  /** More parts than the limit. */
  MULTIPART_TOO_MANY_PARTS: 413,
  /** The body ended before the close delimiter `--boundary--` (RFC 2046 §5.1.1). */
  MULTIPART_TRUNCATED: 400,
  /** Not a valid WebSocket opening handshake (RFC 6455 §4.2.1). */
  BAD_HANDSHAKE: 400,
  /** The client must switch protocol first, or use another WebSocket version (RFC 6455 §4.2.2, RFC 9110 §15.5.22). */
  UPGRADE_REQUIRED: 426,
  /** The server refuses this Origin (RFC 6455 §4.2.2 item 2, §10.2). */
  FORBIDDEN_ORIGIN: 403,
  /** A response header that would corrupt the message (CR, LF, or a name that is not a token). */
  INVALID_RESPONSE_HEADER: 500,
  /** A parser callback threw something other than an HttpError; the parser stops. */
  HANDLER_FAILED: 500,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/**
 * A request the server must refuse, with the status to answer and the stable `code`. `offset` counts the bytes the
 * parser had consumed on this connection when it found the problem (undefined when not from a parser).
 * `headers` are response fields the answer must carry (e.g. `Upgrade` with 426, RFC 9110 §15.5.22).
 */
export class HttpError extends AirbootError {
  override readonly code: HttpErrorCode;
  readonly status: number;
  constructor(
    code: HttpErrorCode,
    message: string,
    readonly offset?: number,
    readonly headers: ReadonlyArray<readonly [string, string]> = [],
  ) {
    super(code, offset === undefined ? message : `${message} (at byte ${offset})`);
    this.code = code;
    this.status = HTTP_ERROR_STATUS[code];
  }
}
