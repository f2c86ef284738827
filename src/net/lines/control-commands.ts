/**
 * The control port's language (people type it into netcat; scripts send it): one command per line, the name
 * case-insensitive, words separated by any spaces or tabs. Parsing only — the service executes — and the reply
 * format: exactly one line per command, `OK …` or `ERR …`, ended by CR LF, so a script reads one line per request.
 *
 *   help | status | reset | boot | run | pins | version | logout
 *   baud N          N a whole number of bits/s, 300..4000000
 *   login PASSWORD  the admin password: everything after "login" and its spaces, up to the end of the line
 *   format 8N1      data bits 5–8, parity N/E/O/M/S, stop bits 1/1.5/2 (parseFormat in io/contracts)
 */
import { parseFormat, type UartSettings } from '../../io/contracts.js';
import { encodeUtf8 } from '../encoding/utf8.js';

/** Speed range `baud N` accepts, bits/s. */
export const CONTROL_MIN_BAUD = 300;
export const CONTROL_MAX_BAUD = 4_000_000;

export type UartFormat = Omit<UartSettings, 'baud'>;

export type SimpleCommandName = 'help' | 'status' | 'reset' | 'boot' | 'run' | 'pins' | 'version' | 'logout';

export type ControlCommand =
  | { readonly kind: SimpleCommandName }
  | { readonly kind: 'baud'; readonly baud: number }
  /** `name` is the format as typed, upper-cased (`8E1`). */
  | { readonly kind: 'format'; readonly format: UartFormat; readonly name: string }
  /** `password` as typed (spaces inside kept, the ones around it dropped). */
  | { readonly kind: 'login'; readonly password: string }
  /** An empty or all-blank line: nothing to do (a person pressed Enter). */
  | { readonly kind: 'blank' }
  /** A message for the person who typed the line, with a hint of what would work. */
  | { readonly kind: 'error'; readonly message: string };

export interface ControlCommandInfo {
  readonly name: SimpleCommandName | 'baud' | 'format' | 'login';
  /** How to type it. */
  readonly usage: string;
  readonly summary: string;
}

/** Every command, in the order `help` lists them. */
export const CONTROL_COMMANDS: readonly ControlCommandInfo[] = Object.freeze([
  { name: 'help', usage: 'help', summary: 'list the commands' },
  { name: 'status', usage: 'status', summary: 'UART settings, target state and clients' },
  { name: 'reset', usage: 'reset', summary: 'pulse NRST: the target restarts' },
  { name: 'boot', usage: 'boot', summary: 'BOOT0 high and reset: the ROM bootloader runs' },
  { name: 'run', usage: 'run', summary: 'BOOT0 low and reset: the application runs' },
  {
    name: 'baud',
    usage: 'baud N',
    summary: `UART speed in bits/s, ${CONTROL_MIN_BAUD}..${CONTROL_MAX_BAUD} (not saved)`,
  },
  { name: 'format', usage: 'format 8N1', summary: 'data bits 5-8, parity N/E/O/M/S, stop bits 1/1.5/2' },
  { name: 'pins', usage: 'pins', summary: 'BOOT0 and NRST wiring and levels' },
  { name: 'version', usage: 'version', summary: 'the airboot version' },
  { name: 'login', usage: 'login PASSWORD', summary: 'the admin password, when one is set' },
  { name: 'logout', usage: 'logout', summary: 'forget the login of this connection' },
]);

const BY_NAME: Readonly<Record<string, ControlCommandInfo>> = Object.freeze(
  Object.fromEntries(CONTROL_COMMANDS.map((info) => [info.name, info])),
);

const BAUD_HINT = `N is a whole number from ${CONTROL_MIN_BAUD} to ${CONTROL_MAX_BAUD}, e.g. baud 115200`;
const FORMAT_HINT = 'data bits 5-8, parity N/E/O/M/S, stop bits 1/1.5/2, e.g. format 8N1 or format 8E1';

/** Parse one line (without its terminator) into a command. Never throws. */
export function parseControlLine(line: string): ControlCommand {
  const words = line.split(/[ \t]+/).filter((word) => word.length > 0);
  if (words.length === 0) return { kind: 'blank' };
  const typed = words[0]!;
  const info = BY_NAME[typed.toLowerCase()];
  if (!info) return { kind: 'error', message: `unknown command '${shown(typed)}' — try: help` };
  const args = words.slice(1);
  switch (info.name) {
    case 'baud':
      return parseBaud(args);
    case 'format':
      return parseFormatCommand(args);
    case 'login': {
      // The password is the rest of the line, spaces inside included: not split into words.
      const password = line.replace(/^[ \t]*[^ \t]+[ \t]*/, '').replace(/[ \t]+$/, '');
      if (password === '') return { kind: 'error', message: 'usage: login PASSWORD' };
      return { kind: 'login', password };
    }
    default:
      if (args.length > 0) {
        return { kind: 'error', message: `'${info.name}' takes no argument — usage: ${info.usage}` };
      }
      return { kind: info.name };
  }
}

function parseBaud(args: string[]): ControlCommand {
  if (args.length !== 1) return { kind: 'error', message: `usage: baud N — ${BAUD_HINT}` };
  const text = args[0]!;
  if (!/^[0-9]+$/.test(text)) {
    return { kind: 'error', message: `'${shown(text)}' is not a whole number — ${BAUD_HINT}` };
  }
  const baud = Number(text);
  if (baud < CONTROL_MIN_BAUD || baud > CONTROL_MAX_BAUD) {
    return { kind: 'error', message: `${shown(text)} baud is out of range — ${BAUD_HINT}` };
  }
  return { kind: 'baud', baud };
}

function parseFormatCommand(args: string[]): ControlCommand {
  if (args.length !== 1) return { kind: 'error', message: `usage: format 8N1 — ${FORMAT_HINT}` };
  const text = args[0]!;
  const format = parseFormat(text);
  if (!format) return { kind: 'error', message: `'${shown(text)}' is not a UART format — ${FORMAT_HINT}` };
  return { kind: 'format', format, name: text.toUpperCase() };
}

/** The answer to `help`, on one line: `commands: help, status, …, baud N, format 8N1, …`. */
export function helpText(): string {
  return `commands: ${CONTROL_COMMANDS.map((info) => info.usage).join(', ')}`;
}

/** `OK` or `OK text`, as one line ending in CR LF. */
export function okReply(text = ''): Uint8Array {
  return encodeUtf8(replyLine('OK', text));
}

/** `ERR text`, as one line ending in CR LF. */
export function errReply(text: string): Uint8Array {
  return encodeUtf8(replyLine('ERR', text));
}

/**
 * One reply line as text: status, a space and `text` (control characters, CR and LF included, turned into spaces
 * so the reply stays one line), then CR LF.
 */
export function replyLine(status: 'OK' | 'ERR', text = ''): string {
  const body = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return body ? `${status} ${body}\r\n` : `${status}\r\n`;
}

/** What the user typed, safe to echo in a message: control characters as \xNN, at most 32 characters. */
function shown(word: string): string {
  const clipped = word.length > 32 ? `${word.slice(0, 32)}…` : word;
  return clipped.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
