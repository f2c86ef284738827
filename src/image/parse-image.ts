import { DEFAULT_BIN_BASE, parseBin } from './bin.js';
import { detectFormat, formatFromName, type ImageFormat, isWhitespace } from './detect.js';
import { parseElf } from './elf.js';
import { ImageError } from './errors.js';
import { parseIntelHex } from './intel-hex.js';
import type { MemoryImage } from './memory-image.js';
import { parseSRecord } from './srec.js';

export interface ParseImageOptions {
  /** The file's name: a tiebreak for detection (see detectFormat) and a check that content and name agree. */
  name?: string | undefined;
  /** Load address of a raw binary (default 0x08000000). The other formats carry their own addresses; it is unused. */
  baseAddress?: number | undefined;
  /** Skip detection and parse as this format. */
  format?: ImageFormat | undefined;
  /** Most data bytes the image may hold (default 16 MiB). */
  maxBytes?: number | undefined;
}

const FORMAT_NAMES: Record<ImageFormat, string> = {
  ihex: 'Intel HEX',
  srec: 'Motorola S-record',
  elf: 'ELF',
  bin: 'raw binary',
};

/**
 * A whole firmware file → memory image and the format it was read as. Detection by content (detectFormat); any
 * problem is an ImageError naming the line or offset, and a file that looks like a record format but does not parse
 * is refused, never taken as a binary. Also refused: an empty file (EMPTY), a file of only whitespace not named .bin
 * (EMPTY), and a file whose name claims HEX, S-record or ELF while its content is none of them (FORMAT_MISMATCH).
 */
export function parseImage(
  bytes: Uint8Array,
  options: ParseImageOptions = {},
): { image: MemoryImage; format: ImageFormat } {
  if (bytes.length === 0)
    throw new ImageError('EMPTY', 'the file is empty: there is nothing to flash', { offset: 0 });
  const named = formatFromName(options.name);
  const format = options.format ?? detectFormat(bytes, options.name);
  if (format === 'bin' && options.format === undefined && named !== 'bin') {
    if (named !== undefined) {
      throw new ImageError(
        'FORMAT_MISMATCH',
        `the name ${options.name} says ${FORMAT_NAMES[named]}, but the content is not: it does not start like one. ` +
          'Check the file, or rename it to .bin to flash it as a raw binary',
        { offset: 0 },
      );
    }
    if (bytes.every(isWhitespace)) {
      throw new ImageError('EMPTY', 'the file holds only whitespace: there is nothing to flash', {
        offset: 0,
      });
    }
  }
  const limits = options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes };
  switch (format) {
    case 'ihex':
      return { image: parseIntelHex(bytes, limits), format };
    case 'srec':
      return { image: parseSRecord(bytes, limits), format };
    case 'elf':
      return { image: parseElf(bytes, limits), format };
    case 'bin':
      return { image: parseBin(bytes, options.baseAddress ?? DEFAULT_BIN_BASE), format };
    default:
      // Reachable from untyped callers (an HTTP query parameter, a CLI option).
      throw new ImageError(
        'FORMAT_UNKNOWN',
        `unknown image format '${String(format)}'; use one of ${Object.keys(FORMAT_NAMES).join(', ')}`,
      );
  }
}
