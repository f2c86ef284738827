import { AirbootError } from '../../io/errors.js';

/**
 * Stable codes of TelnetError. None of them is fatal: the decoder reports the problem, drops what it cannot use
 * and goes on with the next byte, because a serial bridge should survive a sloppy client.
 */
export type TelnetErrorCode =
  /** A subnegotiation's parameters exceeded the decoder's limit; the rest up to IAC SE was discarded. */
  | 'TELNET_SB_OVERFLOW'
  /** IAC followed by something other than IAC or SE inside a subnegotiation (RFC 855): the SB was dropped. */
  | 'TELNET_SB_UNTERMINATED'
  /** `IAC SB IAC SE`: a subnegotiation with no option byte. */
  | 'TELNET_SB_EMPTY'
  /** IAC followed by a byte below 240, which is no command (RFC 854). Both bytes were dropped. */
  | 'TELNET_BAD_COMMAND'
  /** IAC SE with no subnegotiation open. */
  | 'TELNET_UNEXPECTED_SE'
  /** The peer answered a request in a way RFC 1143 calls an error (e.g. DONT answered by WILL). */
  | 'TELNET_NEGOTIATION';

/**
 * The peer broke RFC 854/855 (or a limit). `offset` counts the bytes the decoder had consumed on the connection
 * when it found the problem; `option` is the Telnet option concerned, when there is one.
 */
export class TelnetError extends AirbootError {
  override readonly code: TelnetErrorCode;
  constructor(
    code: TelnetErrorCode,
    message: string,
    readonly offset?: number,
    readonly option?: number,
  ) {
    super(code, offset === undefined ? message : `${message} (at byte ${offset})`);
    this.code = code;
  }
}

/** Stable codes of ComPortError. */
export type ComPortErrorCode =
  /** The client asked for a value airboot does not support; the answer carried the value still in effect. */
  | 'COMPORT_REFUSED'
  /** A COM-PORT-OPTION request too short to carry its value (RFC 2217 gives each command its size). */
  | 'COMPORT_MALFORMED'
  /** A COM-PORT-OPTION command or SET-CONTROL value that RFC 2217 does not define for a client to send. */
  | 'COMPORT_UNKNOWN'
  /** The port control threw while applying a request; the answer carried the value still in effect. */
  | 'COMPORT_CONTROL_FAILED';

/**
 * A COM-PORT-OPTION request (RFC 2217) that could not be carried out as asked. Never fatal: the server answered
 * with the value in effect (or not at all where RFC 2217 defines no answer). `command` is the sub-option code,
 * `value` the request's payload after it.
 */
export class ComPortError extends AirbootError {
  override readonly code: ComPortErrorCode;
  constructor(
    code: ComPortErrorCode,
    message: string,
    readonly command: number,
    readonly value: Uint8Array,
    override readonly cause?: unknown,
  ) {
    super(code, message);
    this.code = code;
  }
}
