import { isElf } from './elf.js';

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
 * Content decides, because names lie (a .hex that is really a binary dump is common):
 * 1. the ELF magic number 7F 'E' 'L' 'F' → 'elf';
 * 2. a name ending in .bin → 'bin': a raw binary may begin with any byte, including ':' or 'S' followed by a digit,
 *    and the user who named it .bin said what it is;
 * 3. the first character that is not whitespace (after a UTF-8 byte order mark) is ':' → 'ihex', 'S' and a digit
 *    → 'srec';
 * 4. anything else → 'bin'.
 * A text-looking file is then parsed strictly: if it fails, the user gets the line and reason, never a fallback to
 * raw binary (that would flash the HEX text itself).
 */
export function detectFormat(head: Uint8Array, name?: string): ImageFormat {
  if (isElf(head)) return 'elf';
  if (formatFromName(name) === 'bin') return 'bin';
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && isWhitespace(head[i]!)) i++;
  const first = head[i];
  if (first === 0x3a) return 'ihex';
  if ((first === 0x53 || first === 0x73) && i + 1 < head.length) {
    const next = head[i + 1]!;
    if (next >= 0x30 && next <= 0x39) return 'srec';
  }
  return 'bin';
}

/** Space, tab, CR, LF, vertical tab, form feed. */
export function isWhitespace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}
