/**
 * What an RFC 2217 session may do to the serial port: the contract between the portable ComPortServer and the
 * service that owns the UART and the target's pins.
 */
import type { UartSettings } from '../../io/contracts.js';

export type FlowControl = 'none' | 'xon-xoff' | 'hardware';

/** The outputs a client may drive (RFC 2217 SET-CONTROL), as they are now. */
export interface ControlLines {
  readonly dtr: boolean;
  readonly rts: boolean;
  /** A BREAK condition is being sent. */
  readonly break: boolean;
}

/** The modem inputs the server reports (RFC 2217 NOTIFY-MODEMSTATE). */
export interface ModemLines {
  readonly cts: boolean;
  readonly dsr: boolean;
  readonly ri: boolean;
  /** Carrier Detect. */
  readonly cd: boolean;
}

/**
 * What the server may do to the serial port, injected by the service (which maps DTR/RTS to the target's NRST and
 * BOOT0 as configured). Every change applies to the UART at once and is never persisted: a client's baud rate is
 * the session's business, not the device's saved settings.
 *
 * A setter may refuse (throw) or adjust what it is given; the server then reads back what is in effect
 * (`getSettings`, `getLines`, `getFlowControl`) and answers with that.
 */
export interface ComPortControl {
  /** Speed and character format in effect now. */
  getSettings(): UartSettings;
  /** Apply new settings now (one field differs from `getSettings()` each time RFC 2217 asks). */
  configure(settings: UartSettings): void;
  /** DTR, RTS and BREAK as they are now. */
  getLines(): ControlLines;
  setDtr(on: boolean): void;
  setRts(on: boolean): void;
  /** Start or stop sending a BREAK; a UART that cannot leaves `getLines().break` false. */
  setBreak(on: boolean): void;
  /** Drop buffered data: `receive` = from the UART not yet sent to clients, `transmit` = for the UART not yet sent. */
  purge(receive: boolean, transmit: boolean): void;
  /** Flow control in effect. Absent: always 'none'. */
  getFlowControl?(): FlowControl;
  /** Change flow control. Absent: only 'none' is accepted. */
  setFlowControl?(mode: FlowControl): void;
  /** Modem inputs now, for a client's poll. Absent: all off. */
  getModemLines?(): ModemLines;
  /** LineState bits now (errors seen since the last call), for a client's poll. Absent: 0. */
  getLineState?(): number;
}
