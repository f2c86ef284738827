/**
 * Telnet option negotiation (RFC 855) by the "Q method" of RFC 1143, which never loops: a side answers a request
 * only when the request would change the option's state, and remembers what it asked for so the peer's answer is
 * not taken for a new request. Each option has two independent sides:
 *
 * - `local`: this end performs the option (we send WILL/WONT, the peer sends DO/DONT);
 * - `remote`: the peer performs it (the peer sends WILL/WONT, we send DO/DONT).
 *
 * Pure: `receive()` and `request()` return the bytes to send (or undefined), `onChange` says what took effect.
 *
 *   const options = new OptionNegotiator({
 *     policy: RFC2217_SERVER_POLICY,
 *     onChange(option, side, enabled) {
 *       if (option === TelnetOption.BINARY && side === 'remote') telnet.binary = enabled;   // decoder
 *       if (option === TelnetOption.BINARY && side === 'local') sendBinary = enabled;      // escapeData mode
 *     },
 *   });
 *   socket.write(options.requestAll(RFC2217_SERVER_REQUESTS));                          // at connect
 *   … in TelnetDecoder's onCommand(command, option): reply = options.receive(command, option) …
 *
 * Memory: two 256-byte state tables, whatever the peer sends.
 */
import { TelnetError } from './errors.js';
import { negotiation } from './telnet-codec.js';
import { optionName, TelnetCommand, TelnetOption } from './telnet-constants.js';

const { WILL, WONT, DO, DONT } = TelnetCommand;

export type OptionSide = 'local' | 'remote';

/** Which options this end agrees to when the peer asks. Every option not listed is refused. */
export interface NegotiationPolicy {
  /** Options this end performs when the peer asks (peer DO x → WILL x); others get WONT x. */
  readonly local: readonly number[];
  /** Options this end lets the peer perform (peer WILL x → DO x); others get DONT x. */
  readonly remote: readonly number[];
}

export interface OptionRequest {
  readonly option: number;
  readonly side: OptionSide;
}

/**
 * The RFC 2217 server: BINARY both ways (RFC 856; UART bytes must pass unchanged), SUPPRESS-GO-AHEAD both ways
 * (RFC 858; full duplex) and COM-PORT-OPTION. RFC 2217 §1 has the client send WILL COM-PORT-OPTION and the server
 * answer DO; pyserial's client also sends DO COM-PORT-OPTION, so the server agrees to that too (it costs nothing
 * and a refusal would only be logged as a failure there). ECHO and everything else are refused.
 */
export const RFC2217_SERVER_POLICY: NegotiationPolicy = Object.freeze({
  local: Object.freeze([TelnetOption.BINARY, TelnetOption.SGA, TelnetOption.COM_PORT_OPTION]),
  remote: Object.freeze([TelnetOption.BINARY, TelnetOption.SGA, TelnetOption.COM_PORT_OPTION]),
});

/**
 * What the RFC 2217 server asks for when a client connects: WILL BINARY and DO BINARY, nothing else. RFC 2217 §1
 * has the client offer COM-PORT-OPTION (WILL), and the server answers it. Asking first is worse than useless with
 * pyserial's client: if our DO COM-PORT-OPTION (or WILL SGA) reaches it before it has sent its own request, it
 * takes ours for the answer and never sends WILL, leaving the option half-negotiated on our side. BINARY has no
 * such race there (pyserial never requests BINARY, it only answers).
 */
export const RFC2217_SERVER_REQUESTS: readonly OptionRequest[] = Object.freeze([
  { option: TelnetOption.BINARY, side: 'local' },
  { option: TelnetOption.BINARY, side: 'remote' },
]);

/** Refuse every option (a line-based port that only strips Telnet from what people type). */
export const REFUSE_ALL_POLICY: NegotiationPolicy = Object.freeze({
  local: Object.freeze([]),
  remote: Object.freeze([]),
});

export interface OptionNegotiatorOptions {
  policy: NegotiationPolicy;
  /** An option was enabled or disabled on one side (it is enabled only once both ends agreed). */
  onChange?(option: number, side: OptionSide, enabled: boolean): void;
  /** The peer answered in a way RFC 1143 calls an error (e.g. DONT answered by WILL). The state stays sane. */
  onError?(error: TelnetError): void;
}

// RFC 1143 states, in the low two bits of a table entry; bit 2 is the queue bit (OPPOSITE when set).
const NO = 0;
const YES = 1;
const WANTNO = 2;
const WANTYES = 3;
const OPPOSITE = 4;

export class OptionNegotiator {
  private readonly states: Record<OptionSide, Uint8Array> = {
    local: new Uint8Array(256),
    remote: new Uint8Array(256),
  };
  private readonly accepted: Record<OptionSide, Uint8Array> = {
    local: new Uint8Array(256),
    remote: new Uint8Array(256),
  };

  constructor(private readonly options: OptionNegotiatorOptions) {
    for (const side of ['local', 'remote'] as const) {
      for (const option of options.policy[side]) {
        checkOption(option);
        this.accepted[side][option] = 1;
      }
    }
  }

  /** Is `option` in effect on `side` (both ends agreed and no change is under way)? */
  isEnabled(option: number, side: OptionSide): boolean {
    checkOption(option);
    return (this.states[side][option]! & 3) === YES;
  }

  /**
   * Ask to enable or disable an option on one side. Returns the request to send, or undefined when nothing needs
   * sending (already so, or already asked; a change of mind during a negotiation is queued as RFC 1143 says).
   */
  request(option: number, side: OptionSide, enable: boolean): Uint8Array | undefined {
    checkOption(option);
    const state = this.states[side][option]! & 3;
    if (state === NO) {
      if (!enable) return undefined;
      this.set(option, side, WANTYES);
      return this.say(side, true, option);
    }
    if (state === YES) {
      if (enable) return undefined;
      this.set(option, side, WANTNO);
      return this.say(side, false, option);
    }
    // A negotiation is under way: queue the opposite of its goal, or cancel a queued one.
    const goal = state === WANTYES;
    this.set(option, side, enable === goal ? state : state | OPPOSITE);
    return undefined;
  }

  /** Several requests at once (e.g. RFC2217_SERVER_REQUESTS at connect); the bytes to send, possibly empty. */
  requestAll(requests: readonly OptionRequest[]): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const { option, side } of requests) {
      const bytes = this.request(option, side, true);
      if (bytes) parts.push(bytes);
    }
    const out = new Uint8Array(parts.length * 3);
    parts.forEach((part, i) => {
      out.set(part, i * 3);
    });
    return out;
  }

  /**
   * A WILL, WONT, DO or DONT received from the peer (from TelnetDecoder's onCommand). Returns the answer to send,
   * or undefined when RFC 1143 says to stay silent — in particular an answer to our own request is never answered.
   * Other commands are ignored (undefined).
   */
  receive(verb: number, option: number | undefined): Uint8Array | undefined {
    if (option === undefined) return undefined;
    if (verb === WILL || verb === WONT) return this.received('remote', verb === WILL, option);
    if (verb === DO || verb === DONT) return this.received('local', verb === DO, option);
    return undefined;
  }

  private received(side: OptionSide, positive: boolean, option: number): Uint8Array | undefined {
    checkOption(option);
    const entry = this.states[side][option]!;
    const state = entry & 3;
    const queued = (entry & OPPOSITE) !== 0;
    if (positive) {
      switch (state) {
        case NO:
          if (this.accepted[side][option]) {
            this.set(option, side, YES);
            return this.say(side, true, option);
          }
          return this.say(side, false, option);
        case YES:
          return undefined;
        case WANTNO:
          this.confused(side, option);
          this.set(option, side, queued ? YES : NO);
          return undefined;
        default: // WANTYES
          if (!queued) {
            this.set(option, side, YES);
            return undefined;
          }
          this.set(option, side, WANTNO);
          return this.say(side, false, option);
      }
    }
    switch (state) {
      case NO:
        return undefined;
      case YES:
        this.set(option, side, NO);
        return this.say(side, false, option);
      case WANTNO:
        if (!queued) {
          this.set(option, side, NO);
          return undefined;
        }
        this.set(option, side, WANTYES);
        return this.say(side, true, option);
      default: // WANTYES: refused, and a queued disable is moot.
        this.set(option, side, NO);
        return undefined;
    }
  }

  /** Store a new entry and report a change into or out of YES. */
  private set(option: number, side: OptionSide, entry: number): void {
    const table = this.states[side];
    const was = (table[option]! & 3) === YES;
    table[option] = entry;
    const now = (entry & 3) === YES;
    if (was !== now) this.options.onChange?.(option, side, now);
  }

  /** The verb for "yes"/"no" about `side`: we speak WILL/WONT about ourselves, DO/DONT about the peer. */
  private say(side: OptionSide, yes: boolean, option: number): Uint8Array {
    const verb = side === 'local' ? (yes ? WILL : WONT) : yes ? DO : DONT;
    return negotiation(verb, option);
  }

  private confused(side: OptionSide, option: number): void {
    const asked = side === 'local' ? 'WONT' : 'DONT';
    const answer = side === 'local' ? 'DO' : 'WILL';
    this.options.onError?.(
      new TelnetError(
        'TELNET_NEGOTIATION',
        `${asked} ${optionName(option)} answered by ${answer} (RFC 1143)`,
        undefined,
        option,
      ),
    );
  }
}

function checkOption(option: number): void {
  if (!(Number.isInteger(option) && option >= 0 && option <= 255)) {
    throw new RangeError(`Telnet option must be 0..255, got ${option}`);
  }
}
