import { ImageError } from './errors.js';
import { hex } from './hex-format.js';
import { MemoryImage } from './memory-image.js';

/** Where a raw binary goes when the user names no address: the start of STM32 main flash (RM0008 §3.3.1). */
export const DEFAULT_BIN_BASE = 0x0800_0000;

/**
 * A raw binary: the bytes as they are, from `baseAddress`. A binary has no addresses and no checksums of its own,
 * so nothing in it can be wrong except being empty (EMPTY) or not fitting below 4 GiB (ADDRESS_RANGE). The bytes are
 * used in place, not copied.
 */
export function parseBin(bytes: Uint8Array, baseAddress = DEFAULT_BIN_BASE): MemoryImage {
  if (bytes.length === 0)
    throw new ImageError('EMPTY', 'the file is empty: there is nothing to flash', { offset: 0 });
  if (!Number.isInteger(baseAddress) || baseAddress < 0 || baseAddress + bytes.length > 0x1_0000_0000) {
    throw new ImageError(
      'ADDRESS_RANGE',
      `${bytes.length} bytes from base address ${Number.isInteger(baseAddress) && baseAddress >= 0 ? `0x${hex(baseAddress)}` : String(baseAddress)} ` +
        'do not fit in the 32-bit address space',
    );
  }
  return MemoryImage.fromSegments([{ address: baseAddress, data: bytes }]);
}
