/**
 * The serial port as RFC 2217 sessions control it: the shared UART (UartHub) and the target's pins (TargetLines).
 * Every change applies at once and is never persisted — a client's speed is that session's business, and a
 * flash-backed settings store must not be written on every SET-BAUDRATE (a known weak point of other servers).
 * While a flash job holds the UART, changes are refused (TargetBusyError) so that a client cannot pull BOOT0 or
 * NRST, or the UART's format, from under the job; ComPortServer then answers with the values still in effect.
 */
import type { UartSettings } from '../io/contracts.js';
import type { ComPortControl, ControlLines, ModemLines } from '../net/telnet/index.js';
import { TargetBusyError } from './control-target.js';
import type { TargetLines } from './rfc2217-lines.js';
import type { UartHub } from './uart-hub.js';

/**
 * The modem inputs reported to clients. A target's UART has no CTS, DSR or carrier lines, so they read as "on"
 * (the link is there), which is what clients that check DSR or CD before sending expect.
 */
export const TARGET_MODEM_LINES: ModemLines = Object.freeze({ cts: true, dsr: true, ri: false, cd: true });

export class Rfc2217Port implements ComPortControl {
  private breakOn = false;

  constructor(
    private readonly hub: UartHub,
    readonly lines: TargetLines,
  ) {}

  getSettings(): UartSettings {
    return this.hub.settings;
  }

  /** Applies to the UART now (UartHub.configure); never persisted. */
  configure(settings: UartSettings): void {
    this.notBusy();
    this.hub.configure(settings);
  }

  getLines(): ControlLines {
    return { dtr: this.lines.dtr, rts: this.lines.rts, break: this.breakOn };
  }

  setDtr(on: boolean): void {
    this.notBusy();
    this.lines.setDtr(on);
  }

  setRts(on: boolean): void {
    this.notBusy();
    this.lines.setRts(on);
  }

  /** A UART that cannot send BREAK leaves it off, and the answer says so. */
  setBreak(on: boolean): void {
    this.notBusy();
    if (this.hub.setBreak(on)) this.breakOn = on;
  }

  purge(receive: boolean, transmit: boolean): void {
    this.hub.purge(receive, transmit);
  }

  getModemLines(): ModemLines {
    return TARGET_MODEM_LINES;
  }

  private notBusy(): void {
    const purpose = this.hub.takenFor;
    if (purpose !== undefined) throw new TargetBusyError(purpose);
  }
}
