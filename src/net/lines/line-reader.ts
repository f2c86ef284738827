/**
 * Splits what people type into a line-based port (netcat, telnet, scripts) into lines, across any chunking.
 *
 * - Line ends: CR, LF or CR LF (and CR NUL, Telnet's bare CR, RFC 854); each ends exactly one line, so a blank line
 *   is delivered as ''.
 * - Length: at most `maxLineBytes` (default 256) bytes per line. The byte that would exceed it triggers one
 *   `onOverflow`, and everything up to the next line end is dropped (the line is not delivered), so a client that
 *   never sends a newline costs a fixed buffer, not memory.
 * - Editing: BS (0x08) and DEL (0x7F) erase the previous character (a whole UTF-8 sequence), as a terminal in raw
 *   mode sends them; a terminal in its usual cooked mode edits locally and sends only the finished line. Telnet's
 *   EC and EL commands (RFC 854) erase a character and the line. Other bytes are kept as they are.
 * - Telnet (`telnet`, default true): IAC sequences are stripped (IAC IAC is a data byte 0xFF) by a TelnetDecoder;
 *   negotiations go to `onTelnetCommand` so the service can refuse them (OptionNegotiator with REFUSE_ALL_POLICY).
 * - Text: a line is decoded as UTF-8, or byte-per-character when it is not valid UTF-8; no byte is lost either way.
 *
 *   const lines = new LineReader({ onLine: (line) => execute(parseControlLine(line)), onOverflow: () => … });
 *   socket.onReadable = () => lines.push(socket.read());
 */
import { decodeUtf8 } from '../encoding/utf8.js';
import type { TelnetError } from '../telnet/errors.js';
import { TelnetDecoder } from '../telnet/telnet-codec.js';
import { TelnetCommand } from '../telnet/telnet-constants.js';
import { LineTooLongError } from './errors.js';

/** Default longest line, bytes (without its terminator). */
export const MAX_LINE_BYTES = 256;

/** A line reader keeps no Telnet subnegotiation it does not use: only enough to skip them. */
const SUBNEGOTIATION_BYTES = 16;

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
const BS = 0x08;
const DEL = 0x7f;

export interface LineReaderOptions {
  /** Longest line kept, bytes without the terminator. Default MAX_LINE_BYTES (256). */
  maxLineBytes?: number;
  /** Strip Telnet commands (default true). False: every byte is text, 0xFF included. */
  telnet?: boolean;
  /** A complete line, without its terminator. */
  onLine(line: string): void;
  /** A line grew past the limit; it will not be delivered. Called once per such line, as soon as it happens. */
  onOverflow?(error: LineTooLongError): void;
  /** A Telnet command other than EC/EL (which the reader applies): negotiations to answer, AYT, IP, … */
  onTelnetCommand?(command: number, option?: number): void;
  /** Malformed Telnet from the client (it is stripped all the same). */
  onTelnetError?(error: TelnetError): void;
}

export class LineReader {
  private readonly options: LineReaderOptions;
  private readonly line: Uint8Array;
  private readonly telnet: TelnetDecoder | undefined;
  private length = 0;
  /** The current line overflowed: drop bytes up to its end. */
  private discarding = false;
  /** The last byte was CR: a LF or NUL right after it belongs to the same line end. */
  private afterCr = false;
  /** Text bytes seen so far (after Telnet stripping). */
  private position = 0;

  constructor(options: LineReaderOptions) {
    const max = options.maxLineBytes ?? MAX_LINE_BYTES;
    if (!(Number.isSafeInteger(max) && max > 0))
      throw new RangeError('maxLineBytes must be a positive byte count');
    this.options = options;
    this.line = new Uint8Array(max);
    if (options.telnet ?? true) {
      this.telnet = new TelnetDecoder({
        maxSubnegotiationBytes: SUBNEGOTIATION_BYTES,
        onData: (chunk) => this.text(chunk),
        onCommand: (command, option) => this.command(command, option),
        // A client's long subnegotiation (a terminal type, say) is skipped: the reader never needed it.
        onError: (error) => {
          if (error.code !== 'TELNET_SB_OVERFLOW') this.options.onTelnetError?.(error);
        },
      });
    }
  }

  /** Bytes held between pushes: the unfinished line (≤ maxLineBytes) and a Telnet subnegotiation (≤ 16). */
  get bufferedBytes(): number {
    return this.length + (this.telnet?.bufferedBytes ?? 0);
  }

  /** Feed bytes received from the client; complete lines go to `onLine` before this returns. */
  push(chunk: Uint8Array): void {
    if (this.telnet) this.telnet.push(chunk);
    else this.text(chunk);
  }

  private text(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      this.position++;
      if (this.afterCr) {
        this.afterCr = false;
        if (byte === LF || byte === NUL) continue;
      }
      if (byte === CR || byte === LF) {
        this.afterCr = byte === CR;
        this.endLine();
      } else if (this.discarding) {
        // Dropped up to the line's end.
      } else if (byte === BS || byte === DEL) {
        this.eraseCharacter();
      } else if (this.length === this.line.length) {
        this.discarding = true;
        this.length = 0;
        this.options.onOverflow?.(new LineTooLongError(this.line.length, this.position - 1));
      } else {
        this.line[this.length++] = byte;
      }
    }
  }

  private command(command: number, option: number | undefined): void {
    if (command === TelnetCommand.EC) {
      if (!this.discarding) this.eraseCharacter();
    } else if (command === TelnetCommand.EL) {
      // The whole line is erased, an overlong one included: what follows starts a new line.
      this.length = 0;
      this.discarding = false;
    } else {
      this.options.onTelnetCommand?.(command, option);
    }
  }

  /** Remove the last character: one byte, or a whole UTF-8 sequence (its continuation bytes and its lead byte). */
  private eraseCharacter(): void {
    while (this.length > 0 && (this.line[this.length - 1]! & 0xc0) === 0x80) this.length--;
    if (this.length > 0) this.length--;
  }

  private endLine(): void {
    const length = this.length;
    this.length = 0;
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    this.options.onLine(decodeText(this.line.subarray(0, length)));
  }
}

function decodeText(bytes: Uint8Array): string {
  try {
    return decodeUtf8(bytes);
  } catch {
    let text = '';
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
    return text;
  }
}
