/**
 * Telnet framing (RFC 854, RFC 855): an incremental decoder that separates data bytes from commands, and the
 * encoders for the other direction. No sockets here: a service feeds what it reads and writes what it gets.
 *
 *   const telnet = new TelnetDecoder({
 *     onData(chunk) { uart.write(chunk) },                       // 0xFF data bytes already un-doubled
 *     onCommand(command, option) { … negotiation.receive(command, option) for WILL/WONT/DO/DONT … },
 *     onSubnegotiation(option, payload) { … comPort.receive(payload) when option is COM-PORT-OPTION … },
 *     onError(error) { log('warn', error.message) },             // never fatal
 *   });
 *   socket.onReadable = () => telnet.push(socket.read());
 *   socket.write(escapeData(bytesFromUart));                     // doubles every 0xFF
 *
 * Memory: the decoder holds at most one subnegotiation's parameters (`maxSubnegotiationBytes`, default 64) between
 * pushes; data is handed on as views of the pushed chunk, never copied or queued.
 */
import { TelnetError } from './errors.js';
import { isNegotiationVerb, TelnetCommand } from './telnet-constants.js';

const { IAC, SB, SE } = TelnetCommand;
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

/** Default limit of one subnegotiation's parameters, bytes. RFC 2217's longest fixed request is 5 bytes. */
export const TELNET_MAX_SUBNEGOTIATION = 64;

export interface TelnetDecoderOptions {
  /**
   * Largest subnegotiation payload kept (bytes after the option byte, un-escaped). A longer one is discarded up to
   * its IAC SE and reported as TELNET_SB_OVERFLOW. Default TELNET_MAX_SUBNEGOTIATION (64).
   */
  maxSubnegotiationBytes?: number;
  /** Start in BINARY receive mode (RFC 856). Default false: NVT rules (see `binary`). */
  binary?: boolean;
  /**
   * Data bytes, in order, as views into the pushed chunk (valid until the callback returns). Never empty. How the
   * stream is cut into calls depends on how it arrived and where commands sat: join them, don't count them.
   */
  onData(chunk: Uint8Array): void;
  /**
   * A command: WILL/WONT/DO/DONT with the option byte (RFC 855), or NOP, DM, BRK, IP, AO, AYT, EC, EL, GA alone.
   */
  onCommand?(command: number, option?: number): void;
  /** `IAC SB option payload IAC SE`, IAC IAC inside un-escaped. `payload` is a view valid during the call. */
  onSubnegotiation?(option: number, payload: Uint8Array): void;
  /** Something the peer sent that breaks RFC 854/855 or a limit. Never fatal: decoding goes on. */
  onError(error: TelnetError): void;
}

// Decoder states.
const DATA = 0;
/** IAC seen in the data stream. */
const COMMAND = 1;
/** WILL/WONT/DO/DONT seen, the option byte comes next. */
const OPTION = 2;
/** IAC SB seen, the option byte comes next. */
const SB_OPTION = 3;
const SB_DATA = 4;
/** IAC seen inside a subnegotiation. */
const SB_IAC = 5;

/**
 * Splits a Telnet byte stream into data, commands and subnegotiations, across any chunking.
 *
 * NVT mode (`binary` false, RFC 854 "The NVT printer and keyboard"): CR NUL, which means a bare carriage return,
 * becomes CR (the NUL is dropped); CR LF passes unchanged; every other byte passes unchanged (the decoder does not
 * strip the 8th bit or drop other control characters: that is the printer's business, not the framing's). BINARY
 * mode (RFC 856): every data byte passes untouched, only IAC is special. The RFC 2217 server negotiates BINARY both
 * ways and sets `binary` when the peer agrees, so UART bytes go through unchanged.
 */
export class TelnetDecoder {
  /**
   * Whether the peer transmits in BINARY (RFC 856), i.e. CR NUL is left alone. Set it when the peer's WILL BINARY
   * is accepted; it applies from the next byte decoded (also within the chunk being pushed).
   */
  binary: boolean;
  private readonly options: TelnetDecoderOptions;
  private readonly subnegotiation: Uint8Array;
  private state = DATA;
  private verb = 0;
  /** Option of the open subnegotiation; -1 while its option byte is still unknown. */
  private sbOption = -1;
  private sbLength = 0;
  private sbOverflowed = false;
  /** The last data byte was CR (NVT mode: a NUL after it is dropped). */
  private afterCr = false;
  /** Bytes consumed before the chunk being decoded. */
  private position = 0;

  constructor(options: TelnetDecoderOptions) {
    const max = options.maxSubnegotiationBytes ?? TELNET_MAX_SUBNEGOTIATION;
    if (!(Number.isSafeInteger(max) && max >= 0)) {
      throw new RangeError('maxSubnegotiationBytes must be a byte count');
    }
    this.options = options;
    this.subnegotiation = new Uint8Array(max);
    this.binary = options.binary ?? false;
  }

  /** Bytes held between pushes: the parameters of an unfinished subnegotiation, at most its limit. */
  get bufferedBytes(): number {
    return this.sbLength;
  }

  /** Total bytes decoded so far. */
  get consumed(): number {
    return this.position;
  }

  /**
   * Decode bytes received from the peer. Every byte is consumed; results go to the callbacks before this returns.
   * Callbacks must not throw: if one does, the exception leaves `push` and the rest of that chunk is lost.
   */
  push(chunk: Uint8Array): void {
    const end = chunk.length;
    /** Start of the run of data bytes not yet handed to onData (meaningful in the DATA state). */
    let run = 0;
    for (let i = 0; i < end; i++) {
      const byte = chunk[i]!;
      switch (this.state) {
        case DATA:
          if (byte === IAC) {
            this.deliver(chunk, run, i);
            this.state = COMMAND;
          } else if (!this.binary) {
            if (this.afterCr && byte === NUL) {
              // RFC 854: "CR NUL" is how a bare carriage return travels; the NUL is padding, not data.
              this.deliver(chunk, run, i);
              run = i + 1;
              this.afterCr = false;
            } else {
              this.afterCr = byte === CR;
            }
          }
          break;
        case COMMAND:
          if (byte === IAC) {
            // IAC IAC is one data byte 0xFF: the second IAC starts the next data run, so nothing is copied.
            this.state = DATA;
            this.afterCr = false;
            run = i;
          } else if (isNegotiationVerb(byte)) {
            this.verb = byte;
            this.state = OPTION;
          } else if (byte === SB) {
            this.state = SB_OPTION;
          } else {
            this.state = DATA;
            run = i + 1;
            if (byte === SE) {
              this.fail('TELNET_UNEXPECTED_SE', 'IAC SE without IAC SB', i);
            } else if (byte < SE) {
              this.fail('TELNET_BAD_COMMAND', `IAC followed by ${byte}, which is no Telnet command`, i);
            } else {
              this.options.onCommand?.(byte);
            }
          }
          break;
        case OPTION:
          this.state = DATA;
          run = i + 1;
          this.options.onCommand?.(this.verb, byte);
          break;
        case SB_OPTION:
          this.sbLength = 0;
          this.sbOverflowed = false;
          if (byte === IAC) {
            // Either IAC SE (an empty SB) or IAC IAC (option 255, escaped as subnegotiation bytes are).
            this.sbOption = -1;
            this.state = SB_IAC;
          } else {
            this.sbOption = byte;
            this.state = SB_DATA;
          }
          break;
        case SB_DATA:
          if (byte === IAC) this.state = SB_IAC;
          else this.append(byte, i);
          break;
        case SB_IAC:
          if (byte === IAC) {
            if (this.sbOption < 0) this.sbOption = IAC;
            else this.append(IAC, i);
            this.state = SB_DATA;
          } else if (byte === SE) {
            this.state = DATA;
            run = i + 1;
            this.endSubnegotiation(i);
          } else {
            // RFC 855 allows only IAC IAC and IAC SE inside SB parameters. Most likely the SE was lost: drop the
            // subnegotiation and read this IAC as the start of a command.
            this.fail('TELNET_SB_UNTERMINATED', `IAC ${byte} inside a subnegotiation (expected IAC SE)`, i);
            this.sbLength = 0;
            this.state = COMMAND;
            i--;
          }
          break;
      }
    }
    if (this.state === DATA) this.deliver(chunk, run, end);
    this.position += end;
  }

  private deliver(chunk: Uint8Array, start: number, end: number): void {
    if (end > start) this.options.onData(chunk.subarray(start, end));
  }

  private append(byte: number, at: number): void {
    if (this.sbLength < this.subnegotiation.length) {
      this.subnegotiation[this.sbLength++] = byte;
    } else if (!this.sbOverflowed) {
      this.sbOverflowed = true;
      this.fail(
        'TELNET_SB_OVERFLOW',
        `subnegotiation longer than ${this.subnegotiation.length} bytes; discarded up to IAC SE`,
        at,
      );
    }
  }

  private endSubnegotiation(at: number): void {
    const length = this.sbLength;
    this.sbLength = 0;
    if (this.sbOption < 0) {
      this.fail('TELNET_SB_EMPTY', 'IAC SB IAC SE carries no option', at);
    } else if (!this.sbOverflowed) {
      this.options.onSubnegotiation?.(this.sbOption, this.subnegotiation.subarray(0, length));
    }
  }

  private fail(code: TelnetError['code'], message: string, at: number): void {
    const inSubnegotiation = this.state === SB_DATA || this.state === SB_IAC;
    const option = inSubnegotiation && this.sbOption >= 0 ? this.sbOption : undefined;
    this.options.onError(new TelnetError(code, message, this.position + at, option));
  }
}

/** `IAC command`, e.g. `telnetCommand(TelnetCommand.NOP)` for a keep-alive. */
export function telnetCommand(command: number): Uint8Array {
  if (!(Number.isInteger(command) && command >= TelnetCommand.SE && command < IAC)) {
    throw new RangeError(`Telnet command must be 240..254, got ${command}`);
  }
  return Uint8Array.of(IAC, command);
}

/** `IAC verb option` (RFC 855), verb one of WILL, WONT, DO, DONT. */
export function negotiation(verb: number, option: number): Uint8Array {
  if (!isNegotiationVerb(verb))
    throw new RangeError(`negotiation verb must be WILL/WONT/DO/DONT, got ${verb}`);
  checkOption(option);
  return Uint8Array.of(IAC, verb, option);
}

/**
 * `IAC SB option payload IAC SE` (RFC 855), every 0xFF in the payload (and an option 255) doubled so the peer can
 * find the IAC SE.
 */
export function subnegotiation(option: number, payload: Uint8Array): Uint8Array {
  checkOption(option);
  const escapedOption = option === IAC ? 2 : 1;
  const out = new Uint8Array(2 + escapedOption + payload.length + countIac(payload) + 2);
  out[0] = IAC;
  out[1] = SB;
  let at = 2;
  out[at++] = option;
  if (option === IAC) out[at++] = IAC;
  at = copyDoubling(payload, out, at);
  out[at++] = IAC;
  out[at] = SE;
  return out;
}

/**
 * Data for the wire: every 0xFF doubled to IAC IAC (RFC 854), so erased flash (all 0xFF) arrives intact. In 'nvt'
 * mode a CR not followed by LF in `data` also becomes CR NUL (RFC 854); a CR at the end of `data` gets its NUL
 * too, which a receiver decodes to the same bytes (CR NUL LF → CR LF). Returns `data` itself when nothing needs
 * escaping; otherwise a new array of at most twice the length.
 */
export function escapeData(data: Uint8Array, mode: 'binary' | 'nvt' = 'binary'): Uint8Array {
  let extra = countIac(data);
  if (mode === 'nvt') extra += countBareCr(data);
  if (extra === 0) return data;
  const out = new Uint8Array(data.length + extra);
  if (mode === 'binary') {
    copyDoubling(data, out, 0);
    return out;
  }
  let at = 0;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i]!;
    out[at++] = byte;
    if (byte === IAC) out[at++] = IAC;
    else if (byte === CR && data[i + 1] !== LF) out[at++] = NUL;
  }
  return out;
}

function checkOption(option: number): void {
  if (!(Number.isInteger(option) && option >= 0 && option <= 255)) {
    throw new RangeError(`Telnet option must be 0..255, got ${option}`);
  }
}

function countIac(data: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === IAC) n++;
  return n;
}

function countBareCr(data: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === CR && data[i + 1] !== LF) n++;
  return n;
}

/** Copy `data` into `out` from `at`, doubling each 0xFF; returns the index after the last byte written. */
function copyDoubling(data: Uint8Array, out: Uint8Array, at: number): number {
  let start = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== IAC) continue;
    // Copy the run up to and including this 0xFF, then write its double.
    out.set(data.subarray(start, i + 1), at);
    at += i + 1 - start;
    out[at++] = IAC;
    start = i + 1;
  }
  out.set(data.subarray(start), at);
  return at + data.length - start;
}
