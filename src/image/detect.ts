import { isElf } from './elf.js';
import { hexDigit } from './line-splitter.js';

/** The firmware file formats airboot reads. */
export type ImageFormat = 'ihex' | 'srec' | 'elf' | 'bin';

/** File name endings that state a format (lower case). */
const NAMED_FORMATS: readonly (readonly [string, ImageFormat])[] = [
  ['.bin', 'bin'],
  ['.hex', 'ihex'],
  ['.ihex', 'ihex'],
  ['.ihx', 'ihex'],
  ['.h86', 'ihex'],
  ['.srec', 'srec'],
  ['.s19', 'srec'],
  ['.s28', 'srec'],
  ['.s37', 'srec'],
  ['.mot', 'srec'],
  ['.elf', 'elf'],
  ['.axf', 'elf'],
  ['.out', 'elf'],
];

/** The format a file name claims by its ending, if it is one we know. */
export function formatFromName(name: string | undefined): ImageFormat | undefined {
  if (!name) return undefined;
  const lower = name.toLowerCase();
  for (const [ending, format] of NAMED_FORMATS) if (lower.endsWith(ending)) return format;
  return undefined;
}

/**
 * The format of a file from its first bytes (`head`; 64 bytes are plenty, the whole file works too).
 *
 * Content decides, because names lie (a .hex that is really a binary dump, a HEX file saved as .bin):
 * 1. the ELF magic number 7F 'E' 'L' 'F' → 'elf';
 * 2. after any whitespace (and a UTF-8 byte order mark), ':' and two hex digits → 'ihex'; 'S' (or 's'), a digit and
 *    two hex digits → 'srec';
 * 3. a weaker likeness — ':' or 'S' and a digit, not followed by hex digits — is where the name breaks the tie: a
 *    name ending in .bin says it is a raw binary; otherwise it is taken as the text format it looks like;
 * 4. anything else → 'bin'.
 * A text-looking file is then parsed strictly: if it fails, the user gets the line and reason, never a fallback to
 * raw binary (that would flash the HEX text itself). To flash a binary that looks like text, name the format.
 */
export function detectFormat(head: Uint8Array, name?: string): ImageFormat {
  if (isElf(head)) return 'elf';
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && isWhitespace(head[i]!)) i++;
  const first = head[i];
  let looksLike: ImageFormat | undefined;
  let digitsFrom = i + 1;
  if (first === COLON) {
    looksLike = 'ihex';
  } else if ((first === UPPER_S || first === LOWER_S) && isDecimalDigit(head[i + 1])) {
    looksLike = 'srec';
    digitsFrom = i + 2;
  }
  if (looksLike === undefined) return 'bin';
  const strong = hexDigit(head[digitsFrom] ?? -1) >= 0 && hexDigit(head[digitsFrom + 1] ?? -1) >= 0;
  if (!strong && formatFromName(name) === 'bin') return 'bin';
  return looksLike;
}

const COLON = 0x3a;
const UPPER_S = 0x53;
const LOWER_S = 0x73;

function isDecimalDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/** Space, tab, CR, LF, vertical tab, form feed. */
export function isWhitespace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}
