import { AirbootError } from '../../io/errors.js';

/**
 * Stable codes of WsError and the close status (RFC 6455 §7.4.1) an endpoint sends when it fails the connection
 * for that reason (§7.1.7).
 */
export const WS_ERROR_CLOSE_CODE = {
  /** A client frame without a mask (RFC 6455 §5.1: the server must close the connection). */
  WS_UNMASKED: 1002,
  /** A server frame with a mask, seen by a client (RFC 6455 §5.1). */
  WS_MASKED: 1002,
  /** RSV1–3 set with no extension negotiated (RFC 6455 §5.2). */
  WS_RSV: 1002,
  /** A reserved opcode (RFC 6455 §5.2). */
  WS_BAD_OPCODE: 1002,
  /** A control frame with more than 125 payload bytes (RFC 6455 §5.5). */
  WS_CONTROL_TOO_LONG: 1002,
  /** A control frame with FIN clear (RFC 6455 §5.5). */
  WS_FRAGMENTED_CONTROL: 1002,
  /** A continuation frame with no message to continue (RFC 6455 §5.4). */
  WS_UNEXPECTED_CONTINUATION: 1002,
  /** A new text/binary frame while a fragmented message is unfinished (RFC 6455 §5.4). */
  WS_EXPECTED_CONTINUATION: 1002,
  /** A 64-bit payload length with its most significant bit set (RFC 6455 §5.2). */
  WS_BAD_LENGTH: 1002,
  /** A close frame with a 1-byte payload (RFC 6455 §5.5.1). */
  WS_BAD_CLOSE_FRAME: 1002,
  /** A close status that may not appear on the wire (RFC 6455 §7.4.1, §7.4.2). */
  WS_BAD_CLOSE_CODE: 1002,
  /** Text (a text message or a close reason) that is not UTF-8 (RFC 6455 §8.1). */
  WS_BAD_UTF8: 1007,
  /** A message larger than the receiver accepts (RFC 6455 §7.4.1, 1009). */
  WS_TOO_BIG: 1009,
  /** A callback threw something other than a WsError; the parser stops (RFC 6455 §7.4.1, 1011). */
  WS_HANDLER_FAILED: 1011,
} as const;

export type WsErrorCode = keyof typeof WS_ERROR_CLOSE_CODE;

/**
 * The peer broke RFC 6455 (or a limit): send a close frame with `closeCode` and close the TCP connection.
 * `offset` counts the bytes the parser had consumed on the connection when it found the problem.
 */
export class WsError extends AirbootError {
  override readonly code: WsErrorCode;
  readonly closeCode: number;
  constructor(
    code: WsErrorCode,
    message: string,
    readonly offset?: number,
  ) {
    super(code, offset === undefined ? message : `${message} (at byte ${offset})`);
    this.code = code;
    this.closeCode = WS_ERROR_CLOSE_CODE[code];
  }
}
