/** Firmware files (.bin, Intel HEX, Motorola S-record, ELF) → MemoryImage. */
export { DEFAULT_BIN_BASE, parseBin } from './bin.js';
export { CRC32_INIT, stm32Crc32 } from './crc32.js';
export { detectFormat, formatFromName, type ImageFormat } from './detect.js';
export { type ElfOptions, isElf, parseElf } from './elf.js';
export { ImageError, type ImagePosition } from './errors.js';
export { type IntelHexOptions, IntelHexParser, parseIntelHex } from './intel-hex.js';
export { MAX_LINE_CHARS } from './line-splitter.js';
export { MemoryImage, type Segment } from './memory-image.js';
export { type ParseImageOptions, parseImage } from './parse-image.js';
export { DEFAULT_MAX_IMAGE_BYTES } from './segment-builder.js';
export { parseSRecord, type SRecordOptions, SRecordParser } from './srec.js';
