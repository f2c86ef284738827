/**
 * The access-server side of the Telnet COM-PORT-OPTION (RFC 2217) as a pure state machine: it decodes a client's
 * subnegotiation, applies it through an injected ComPortControl, and returns the answer bytes. It never throws on
 * anything a client sends, and never answers with a value that is not in effect: a refused or failed change is
 * answered with the current value, which is how RFC 2217 §2 tells a client "no" ("Its purpose is to inform the
 * client of the value in use, which may be different than the value requested").
 *
 *   const comPort = new ComPortServer({ control, signature: 'airboot 0.1' });
 *   … in TelnetDecoder's onSubnegotiation(option, payload):
 *       if (option === TelnetOption.COM_PORT_OPTION) { const reply = comPort.receive(payload); if (reply) send(reply) }
 *   … when OptionNegotiator's onChange enables COM-PORT-OPTION: send(comPort.notifyModemState(lines, true)!)
 *     (pyserial's `cts`/`dsr` raise until a first NOTIFY-MODEMSTATE arrived)
 *   … when the modem inputs change: const note = comPort.notifyModemState(lines); if (note) send(note)
 *
 * Accept COM-PORT-OPTION subnegotiations whatever the negotiation state says (or when the option is enabled on
 * either side, as pyserial's own server does): a client that sends them speaks RFC 2217, and clients differ in
 * which side of the option they negotiate.
 *
 * Memory: a few numbers; the client's signature text is kept up to the decoder's subnegotiation limit.
 */
import type { Parity, UartSettings } from '../../io/contracts.js';
import { encodeUtf8 } from '../encoding/utf8.js';
import {
  ComPortCommand,
  ComPortControlValue,
  ComPortParity,
  ComPortPurge,
  ComPortStopSize,
  INITIAL_LINESTATE_MASK,
  INITIAL_MODEMSTATE_MASK,
  ModemState,
  SERVER_OFFSET,
} from './com-port-constants.js';
import type { ComPortControl, FlowControl, ModemLines } from './com-port-control.js';
import { ComPortError, type ComPortErrorCode } from './errors.js';
import { subnegotiation } from './telnet-codec.js';
import { TelnetOption } from './telnet-constants.js';

/** Speeds accepted by default, bits/s: what a USB-UART adapter and an STM32 USART can both do. */
export const COM_PORT_MIN_BAUD = 300;
export const COM_PORT_MAX_BAUD = 4_000_000;

export interface ComPortServerOptions {
  control: ComPortControl;
  /** Answer to a client's signature request (RFC 2217 SIGNATURE). Default 'airboot'. */
  signature?: string;
  /** Slowest speed accepted, bits/s. Default COM_PORT_MIN_BAUD (300). */
  minBaud?: number;
  /** Fastest speed accepted, bits/s. Default COM_PORT_MAX_BAUD (4 000 000). */
  maxBaud?: number;
  /**
   * The client sent FLOWCONTROL-SUSPEND (true) or -RESUME (false): while suspended, send it neither data nor
   * notifications (RFC 2217 §5); hold them (bounded) or drop and count, as the service's policy says.
   */
  onFlowControl?(suspended: boolean): void;
  /** The client told its signature (free text, RFC 2217 §2). */
  onClientSignature?(text: string): void;
  /** A request that could not be carried out as asked (never fatal; see ComPortError's codes). */
  onError?(error: ComPortError): void;
}

const PARITY_BY_CODE: Record<number, Parity> = {
  [ComPortParity.NONE]: 'none',
  [ComPortParity.ODD]: 'odd',
  [ComPortParity.EVEN]: 'even',
  [ComPortParity.MARK]: 'mark',
  [ComPortParity.SPACE]: 'space',
};
const PARITY_CODE: Record<Parity, number> = {
  none: ComPortParity.NONE,
  odd: ComPortParity.ODD,
  even: ComPortParity.EVEN,
  mark: ComPortParity.MARK,
  space: ComPortParity.SPACE,
};
const STOP_BITS_BY_CODE: Record<number, UartSettings['stopBits']> = {
  [ComPortStopSize.ONE]: 1,
  [ComPortStopSize.TWO]: 2,
  [ComPortStopSize.ONE_AND_HALF]: 1.5,
};
const FLOW_BY_CODE: Record<number, FlowControl> = {
  [ComPortControlValue.FLOW_NONE]: 'none',
  [ComPortControlValue.FLOW_XON_XOFF]: 'xon-xoff',
  [ComPortControlValue.FLOW_HARDWARE]: 'hardware',
};
const FLOW_CODE: Record<FlowControl, number> = {
  none: ComPortControlValue.FLOW_NONE,
  'xon-xoff': ComPortControlValue.FLOW_XON_XOFF,
  hardware: ComPortControlValue.FLOW_HARDWARE,
};
/** The "outbound/both" codes 1–3 set both directions, so inbound is reported as 14–16 for the same mode. */
const INBOUND_OFFSET = ComPortControlValue.FLOW_INBOUND_NONE - ComPortControlValue.FLOW_NONE;

const NO_MODEM_LINES: ModemLines = Object.freeze({ cts: false, dsr: false, ri: false, cd: false });

/** `IAC SB COM-PORT-OPTION command value… IAC SE`, escaped. */
export function comPortSubnegotiation(command: number, value: ArrayLike<number> = []): Uint8Array {
  const payload = new Uint8Array(1 + value.length);
  payload[0] = command;
  payload.set(value, 1);
  return subnegotiation(TelnetOption.COM_PORT_OPTION, payload);
}

/** The ModemState bits for `lines`, without the delta bits. */
export function modemStateBits(lines: ModemLines): number {
  return (
    (lines.cts ? ModemState.CTS : 0) |
    (lines.dsr ? ModemState.DSR : 0) |
    (lines.ri ? ModemState.RI : 0) |
    (lines.cd ? ModemState.CD : 0)
  );
}

/** One client session's COM-PORT-OPTION state. Make one per connection. */
export class ComPortServer {
  private readonly control: ComPortControl;
  private readonly signature: Uint8Array;
  private readonly minBaud: number;
  private readonly maxBaud: number;
  private lineMask = INITIAL_LINESTATE_MASK;
  private modemMask = INITIAL_MODEMSTATE_MASK;
  private flowSuspended = false;
  private peerSignature: string | undefined;
  /** ModemState bits (no deltas) last notified, for the delta bits of the next notification. */
  private lastModemState = 0;

  constructor(private readonly options: ComPortServerOptions) {
    this.control = options.control;
    this.signature = encodeUtf8(options.signature ?? 'airboot');
    this.minBaud = options.minBaud ?? COM_PORT_MIN_BAUD;
    this.maxBaud = options.maxBaud ?? COM_PORT_MAX_BAUD;
    if (!(this.minBaud > 0 && this.minBaud <= this.maxBaud && this.maxBaud <= 0xffff_ffff)) {
      throw new RangeError(`baud range ${this.minBaud}..${this.maxBaud} is not a range of 32-bit speeds`);
    }
  }

  /** The client asked (FLOWCONTROL-SUSPEND) not to be sent data or notifications until it resumes. */
  get suspended(): boolean {
    return this.flowSuspended;
  }

  /** LineState bits the client wants notified (SET-LINESTATE-MASK; initially 0). */
  get lineStateMask(): number {
    return this.lineMask;
  }

  /** ModemState bits the client wants notified (SET-MODEMSTATE-MASK; initially 255). */
  get modemStateMask(): number {
    return this.modemMask;
  }

  /** The signature text the client sent, if it did. */
  get clientSignature(): string | undefined {
    return this.peerSignature;
  }

  /**
   * A COM-PORT-OPTION subnegotiation from the client: `payload` is what follows the option byte (the command code,
   * then its value), as TelnetDecoder's onSubnegotiation gives it. Returns the answer to send, or undefined where
   * RFC 2217 has none (FLOWCONTROL-SUSPEND/RESUME, a client's own signature) or the request had no meaning.
   */
  receive(payload: Uint8Array): Uint8Array | undefined {
    if (payload.length === 0) {
      this.report('COMPORT_MALFORMED', 'COM-PORT-OPTION subnegotiation without a command', -1, payload);
      return undefined;
    }
    const command = payload[0]!;
    const value = payload.subarray(1);
    try {
      return this.dispatch(command, value);
    } catch (error) {
      // Only the port control can throw here (reading the state back failed): nothing true can be answered.
      this.report('COMPORT_CONTROL_FAILED', `port control failed: ${describe(error)}`, command, value, error);
      return undefined;
    }
  }

  /**
   * The modem inputs changed (or may have): the NOTIFY-MODEMSTATE to send, or undefined when nothing changed or the
   * change is outside the client's mask (RFC 2217 §4: the new state AND the mask, sent when not zero). Delta bits
   * are computed against the last notification. `force` sends the masked state even when nothing changed (e.g. once
   * when the client enables COM-PORT-OPTION, so it learns the initial state).
   */
  notifyModemState(lines: ModemLines, force = false): Uint8Array | undefined {
    const now = modemStateBits(lines);
    const before = this.lastModemState;
    const changed = now ^ before;
    let state = now;
    if (changed & ModemState.CTS) state |= ModemState.DELTA_CTS;
    if (changed & ModemState.DSR) state |= ModemState.DELTA_DSR;
    if (changed & ModemState.CD) state |= ModemState.DELTA_CD;
    if (before & ModemState.RI && !(now & ModemState.RI)) state |= ModemState.TRAILING_EDGE_RI;
    this.lastModemState = now;
    const masked = state & this.modemMask;
    if (!force && (changed === 0 || masked === 0)) return undefined;
    return comPortSubnegotiation(ComPortCommand.NOTIFY_MODEMSTATE + SERVER_OFFSET, [masked]);
  }

  /**
   * Line events seen on the UART (LineState bits, e.g. FRAMING_ERROR | BREAK_DETECT): the NOTIFY-LINESTATE to send,
   * or undefined when none of them is in the client's mask (RFC 2217 §4; the initial mask is 0).
   */
  notifyLineState(state: number): Uint8Array | undefined {
    const masked = state & this.lineMask & 0xff;
    if (masked === 0) return undefined;
    return comPortSubnegotiation(ComPortCommand.NOTIFY_LINESTATE + SERVER_OFFSET, [masked]);
  }

  private dispatch(command: number, value: Uint8Array): Uint8Array | undefined {
    switch (command) {
      case ComPortCommand.SIGNATURE:
        return this.signatureExchange(value);
      case ComPortCommand.SET_BAUDRATE:
        return this.setBaud(value);
      case ComPortCommand.SET_DATASIZE:
        return this.setDataSize(value);
      case ComPortCommand.SET_PARITY:
        return this.setParity(value);
      case ComPortCommand.SET_STOPSIZE:
        return this.setStopSize(value);
      case ComPortCommand.SET_CONTROL:
        return this.setControl(value);
      case ComPortCommand.NOTIFY_LINESTATE: {
        // A poll: the state now, through the client's mask like every line state report.
        const state = (this.control.getLineState?.() ?? 0) & this.lineMask & 0xff;
        return this.answer(command, [state]);
      }
      case ComPortCommand.NOTIFY_MODEMSTATE: {
        const state = modemStateBits(this.control.getModemLines?.() ?? NO_MODEM_LINES) & this.modemMask;
        return this.answer(command, [state]);
      }
      case ComPortCommand.FLOWCONTROL_SUSPEND:
      case ComPortCommand.FLOWCONTROL_RESUME: {
        // RFC 2217 §5 defines no acknowledgement for these.
        const suspended = command === ComPortCommand.FLOWCONTROL_SUSPEND;
        if (suspended !== this.flowSuspended) {
          this.flowSuspended = suspended;
          this.options.onFlowControl?.(suspended);
        }
        return undefined;
      }
      case ComPortCommand.SET_LINESTATE_MASK:
        if (value.length < 1) this.malformed(command, value, 'a 1-byte mask');
        else this.lineMask = value[0]!;
        return this.answer(command, [this.lineMask]);
      case ComPortCommand.SET_MODEMSTATE_MASK:
        if (value.length < 1) this.malformed(command, value, 'a 1-byte mask');
        else this.modemMask = value[0]!;
        return this.answer(command, [this.modemMask]);
      case ComPortCommand.PURGE_DATA:
        return this.purge(value);
      default:
        this.report(
          'COMPORT_UNKNOWN',
          command >= SERVER_OFFSET && command <= SERVER_OFFSET + ComPortCommand.PURGE_DATA
            ? `COM-PORT-OPTION ${command} is a server's answer; a client does not send it`
            : `COM-PORT-OPTION command ${command} is not defined by RFC 2217`,
          command,
          value,
        );
        return undefined;
    }
  }

  private signatureExchange(value: Uint8Array): Uint8Array | undefined {
    if (value.length === 0) return this.answer(ComPortCommand.SIGNATURE, this.signature);
    // RFC 2217 §2: a signature with text is the sender's own; it asks for nothing.
    this.peerSignature = latin1(value);
    this.options.onClientSignature?.(this.peerSignature);
    return undefined;
  }

  private setBaud(value: Uint8Array): Uint8Array {
    const command = ComPortCommand.SET_BAUDRATE;
    if (value.length < 4) {
      this.malformed(command, value, 'a 4-byte speed');
    } else {
      const baud = ((value[0]! << 24) | (value[1]! << 16) | (value[2]! << 8) | value[3]!) >>> 0;
      if (baud !== 0) {
        if (baud < this.minBaud || baud > this.maxBaud) {
          this.refused(command, value, `${baud} baud is outside ${this.minBaud}..${this.maxBaud}`);
        } else {
          this.apply(command, value, (s) => ({ ...s, baud }));
        }
      }
    }
    const baud = this.control.getSettings().baud >>> 0;
    return this.answer(command, [baud >>> 24, (baud >>> 16) & 0xff, (baud >>> 8) & 0xff, baud & 0xff]);
  }

  private setDataSize(value: Uint8Array): Uint8Array {
    const command = ComPortCommand.SET_DATASIZE;
    if (value.length < 1) {
      this.malformed(command, value, 'a 1-byte size');
    } else if (value[0] !== 0) {
      const bits = value[0]!;
      if (bits >= 5 && bits <= 8) {
        this.apply(command, value, (s) => ({ ...s, dataBits: bits as UartSettings['dataBits'] }));
      } else {
        this.refused(command, value, `${bits} data bits (RFC 2217 allows 5 to 8)`);
      }
    }
    return this.answer(command, [this.control.getSettings().dataBits]);
  }

  private setParity(value: Uint8Array): Uint8Array {
    const command = ComPortCommand.SET_PARITY;
    if (value.length < 1) {
      this.malformed(command, value, 'a 1-byte parity');
    } else if (value[0] !== ComPortParity.REQUEST) {
      const parity = PARITY_BY_CODE[value[0]!];
      if (parity) this.apply(command, value, (s) => ({ ...s, parity }));
      else this.refused(command, value, `parity code ${value[0]} (RFC 2217 defines 1 to 5)`);
    }
    return this.answer(command, [PARITY_CODE[this.control.getSettings().parity]]);
  }

  private setStopSize(value: Uint8Array): Uint8Array {
    const command = ComPortCommand.SET_STOPSIZE;
    if (value.length < 1) {
      this.malformed(command, value, 'a 1-byte stop size');
    } else if (value[0] !== ComPortStopSize.REQUEST) {
      const stopBits = STOP_BITS_BY_CODE[value[0]!];
      if (stopBits) this.apply(command, value, (s) => ({ ...s, stopBits }));
      else this.refused(command, value, `stop size code ${value[0]} (RFC 2217 defines 1 to 3)`);
    }
    const stop = this.control.getSettings().stopBits;
    return this.answer(command, [
      stop === 2 ? ComPortStopSize.TWO : stop === 1.5 ? ComPortStopSize.ONE_AND_HALF : ComPortStopSize.ONE,
    ]);
  }

  private setControl(value: Uint8Array): Uint8Array | undefined {
    const command = ComPortCommand.SET_CONTROL;
    if (value.length < 1) {
      // Without a value there is no telling which setting was meant, so there is nothing to answer with.
      this.malformed(command, value, 'a 1-byte control code');
      return undefined;
    }
    const code = value[0]!;
    const C = ComPortControlValue;
    switch (code) {
      case C.REQUEST_FLOW:
        return this.answer(command, [FLOW_CODE[this.flowControl()]]);
      case C.FLOW_NONE:
      case C.FLOW_XON_XOFF:
      case C.FLOW_HARDWARE:
        this.changeFlow(FLOW_BY_CODE[code]!, value);
        return this.answer(command, [FLOW_CODE[this.flowControl()]]);
      case C.REQUEST_FLOW_INBOUND:
        return this.answer(command, [FLOW_CODE[this.flowControl()] + INBOUND_OFFSET]);
      case C.FLOW_INBOUND_NONE:
      case C.FLOW_INBOUND_XON_XOFF:
      case C.FLOW_INBOUND_HARDWARE:
        // One mode serves both directions here; asking for a different one inbound only is refused.
        if (code !== FLOW_CODE[this.flowControl()] + INBOUND_OFFSET) {
          this.refused(command, value, 'inbound flow control different from outbound');
        }
        return this.answer(command, [FLOW_CODE[this.flowControl()] + INBOUND_OFFSET]);
      case C.FLOW_DCD:
      case C.FLOW_DSR:
        this.refused(command, value, 'DCD/DSR flow control (no such inputs)');
        return this.answer(command, [FLOW_CODE[this.flowControl()]]);
      case C.FLOW_INBOUND_DTR:
        this.refused(command, value, 'DTR flow control (DTR drives the target)');
        return this.answer(command, [FLOW_CODE[this.flowControl()] + INBOUND_OFFSET]);
      case C.BREAK_ON:
      case C.BREAK_OFF:
        this.attempt(command, value, () => this.control.setBreak(code === C.BREAK_ON));
        return this.answer(command, [this.control.getLines().break ? C.BREAK_ON : C.BREAK_OFF]);
      case C.REQUEST_BREAK:
        return this.answer(command, [this.control.getLines().break ? C.BREAK_ON : C.BREAK_OFF]);
      case C.DTR_ON:
      case C.DTR_OFF:
        this.attempt(command, value, () => this.control.setDtr(code === C.DTR_ON));
        return this.answer(command, [this.control.getLines().dtr ? C.DTR_ON : C.DTR_OFF]);
      case C.REQUEST_DTR:
        return this.answer(command, [this.control.getLines().dtr ? C.DTR_ON : C.DTR_OFF]);
      case C.RTS_ON:
      case C.RTS_OFF:
        this.attempt(command, value, () => this.control.setRts(code === C.RTS_ON));
        return this.answer(command, [this.control.getLines().rts ? C.RTS_ON : C.RTS_OFF]);
      case C.REQUEST_RTS:
        return this.answer(command, [this.control.getLines().rts ? C.RTS_ON : C.RTS_OFF]);
      default:
        // No "current value" exists for a code RFC 2217 does not define, so there is nothing true to answer.
        this.report(
          'COMPORT_UNKNOWN',
          `SET-CONTROL value ${code} is not defined by RFC 2217`,
          command,
          value,
        );
        return undefined;
    }
  }

  private purge(value: Uint8Array): Uint8Array | undefined {
    const command = ComPortCommand.PURGE_DATA;
    const which = value[0];
    if (which !== ComPortPurge.RECEIVE && which !== ComPortPurge.TRANSMIT && which !== ComPortPurge.BOTH) {
      // The answer echoes what was purged (RFC 2217 §3); nothing was, so nothing is answered.
      if (which === undefined) this.malformed(command, value, 'a 1-byte purge code');
      else this.refused(command, value, `purge code ${which} (RFC 2217 defines 1 to 3)`);
      return undefined;
    }
    const ok = this.attempt(command, value, () =>
      this.control.purge(which !== ComPortPurge.TRANSMIT, which !== ComPortPurge.RECEIVE),
    );
    return ok ? this.answer(command, [which]) : undefined;
  }

  private flowControl(): FlowControl {
    return this.control.getFlowControl?.() ?? 'none';
  }

  private changeFlow(mode: FlowControl, value: Uint8Array): void {
    if (mode === this.flowControl()) return;
    const set = this.control.setFlowControl;
    if (!set) {
      this.refused(ComPortCommand.SET_CONTROL, value, `${mode} flow control (this port has none)`);
      return;
    }
    this.attempt(ComPortCommand.SET_CONTROL, value, () => set.call(this.control, mode));
  }

  /** Configure one field; a control that throws leaves the settings as they were (the answer says so). */
  private apply(command: number, value: Uint8Array, change: (settings: UartSettings) => UartSettings): void {
    this.attempt(command, value, () => this.control.configure(change(this.control.getSettings())));
  }

  /** Run a port-control call; report and swallow what it throws. True when it did not throw. */
  private attempt(command: number, value: Uint8Array, call: () => void): boolean {
    try {
      call();
      return true;
    } catch (error) {
      this.report(
        'COMPORT_CONTROL_FAILED',
        `port control refused: ${describe(error)}`,
        command,
        value,
        error,
      );
      return false;
    }
  }

  private answer(command: number, value: ArrayLike<number>): Uint8Array {
    return comPortSubnegotiation(command + SERVER_OFFSET, value);
  }

  private refused(command: number, value: Uint8Array, what: string): void {
    this.report('COMPORT_REFUSED', `refused ${what}; answered with the value in effect`, command, value);
  }

  private malformed(command: number, value: Uint8Array, expected: string): void {
    this.report(
      'COMPORT_MALFORMED',
      `COM-PORT-OPTION ${command} carries ${value.length} byte(s), expected ${expected}`,
      command,
      value,
    );
  }

  private report(
    code: ComPortErrorCode,
    message: string,
    command: number,
    value: Uint8Array,
    cause?: unknown,
  ): void {
    // A copy: `value` is a view into the decoder's buffer, reused by the next subnegotiation.
    this.options.onError?.(new ComPortError(code, message, command, value.slice(), cause));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Signature text as sent: RFC 2217 gives it no encoding, so each byte is one character. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
