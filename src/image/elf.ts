import { ImageError } from './errors.js';
import { hex } from './hex-format.js';
import type { MemoryImage } from './memory-image.js';
import { DEFAULT_MAX_IMAGE_BYTES, SegmentBuilder } from './segment-builder.js';

/** Values from the System V ABI "ELF Object File Format" (gABI) and the ARM ELF supplement (AAELF). */
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46]; // "\x7fELF"
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const ET_REL = 1;
const ET_EXEC = 2;
const EM_ARM = 40;
const PT_LOAD = 1;
/** e_phnum value meaning "more than 0xFFFE program headers, count in section 0" (gABI). */
const PN_XNUM = 0xffff;

const ELF32_HEADER_BYTES = 52;
const ELF32_PROGRAM_HEADER_BYTES = 32;

const TYPE_NAMES: Record<number, string> = {
  0: 'no file type',
  1: 'a relocatable object',
  3: 'a shared object',
  4: 'a core dump',
};

export interface ElfOptions {
  /** Most data bytes the image may hold (default 16 MiB). */
  maxBytes?: number;
}

/** True when `bytes` starts with the ELF magic number. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ELF_MAGIC.every((byte, i) => bytes[i] === byte);
}

/**
 * An ARM ELF32 executable → memory image: every PT_LOAD program header with file bytes is placed at its physical
 * address (p_paddr, the load address: initialised data is stored in flash after the code and copied to RAM at
 * start-up, so p_vaddr would be the RAM address). Only p_filesz bytes load; the rest up to p_memsz is .bss, zeroed
 * by the start-up code, not stored in flash. Sections are not read. e_entry (if not 0) becomes the entry point.
 *
 * Every offset and size is checked against the file length before use. Errors (ImageError with `offset`):
 * ELF_MAGIC, ELF_CLASS, ELF_ENDIAN, ELF_TYPE, ELF_MACHINE, ELF_HEADER, ELF_TRUNCATED, ELF_SEGMENT, OVERLAP, EMPTY.
 */
export function parseElf(bytes: Uint8Array, options: ElfOptions = {}): MemoryImage {
  if (!isElf(bytes)) {
    throw new ImageError('ELF_MAGIC', 'the file does not start with the ELF magic number 7F 45 4C 46', {
      offset: 0,
    });
  }
  if (bytes.length < 6) throw truncated('the ELF identification', 0, 6, bytes.length);
  const elfClass = bytes[4]!;
  if (elfClass !== ELFCLASS32) {
    throw new ImageError(
      'ELF_CLASS',
      elfClass === ELFCLASS64
        ? 'this is a 64-bit ELF file; STM32 firmware is 32-bit (was it built for the host by mistake?)'
        : `unknown ELF class ${elfClass}; expected 1 (32-bit)`,
      { offset: 4 },
    );
  }
  const encoding = bytes[5]!;
  if (encoding !== ELFDATA2LSB) {
    throw new ImageError(
      'ELF_ENDIAN',
      encoding === ELFDATA2MSB
        ? 'this ELF file is big-endian; STM32 firmware is little-endian'
        : `unknown ELF data encoding ${encoding}; expected 1 (little-endian)`,
      { offset: 5 },
    );
  }
  if (bytes.length < ELF32_HEADER_BYTES)
    throw truncated('the ELF header', 0, ELF32_HEADER_BYTES, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, true);
  if (type !== ET_EXEC) {
    const what = TYPE_NAMES[type] ?? `ELF type ${type}`;
    throw new ImageError(
      'ELF_TYPE',
      `this is ${what}, not an executable${type === ET_REL ? ': link it first' : ''}`,
      { offset: 16 },
    );
  }
  const machine = view.getUint16(18, true);
  if (machine !== EM_ARM) {
    throw new ImageError(
      'ELF_MACHINE',
      `built for machine ${machine}, not ARM (${EM_ARM}); wrong toolchain?`,
      {
        offset: 18,
      },
    );
  }
  const entry = view.getUint32(24, true);
  const programHeaders = view.getUint32(28, true);
  const entrySize = view.getUint16(42, true);
  const count = view.getUint16(44, true);
  if (count === PN_XNUM) {
    throw new ImageError('ELF_HEADER', 'more than 65534 program headers; that is no firmware file', {
      offset: 44,
    });
  }
  if (count > 0 && entrySize < ELF32_PROGRAM_HEADER_BYTES) {
    throw new ImageError(
      'ELF_HEADER',
      `program header entries of ${entrySize} bytes; ELF32 needs ${ELF32_PROGRAM_HEADER_BYTES}`,
      { offset: 42 },
    );
  }
  const tableEnd = programHeaders + count * entrySize;
  if (tableEnd > bytes.length)
    throw truncated('the program header table', programHeaders, tableEnd, bytes.length);

  const builder = new SegmentBuilder(options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES);
  for (let index = 0; index < count; index++) {
    const at = programHeaders + index * entrySize;
    if (view.getUint32(at, true) !== PT_LOAD) continue;
    const fileOffset = view.getUint32(at + 4, true);
    const physical = view.getUint32(at + 12, true);
    const fileSize = view.getUint32(at + 16, true);
    const memorySize = view.getUint32(at + 20, true);
    if (fileSize === 0) continue; // .bss only: nothing to store in flash
    if (fileSize > memorySize) {
      throw new ImageError(
        'ELF_SEGMENT',
        `program header ${index}: ${fileSize} file bytes exceed its memory size of ${memorySize}`,
        { offset: at + 16 },
      );
    }
    if (fileOffset + fileSize > bytes.length) {
      throw truncated(`program header ${index}'s data`, fileOffset, fileOffset + fileSize, bytes.length);
    }
    if (physical + fileSize > 0x1_0000_0000) {
      throw new ImageError(
        'ELF_SEGMENT',
        `program header ${index}: ${fileSize} bytes at 0x${hex(physical)} reach beyond the 32-bit address space`,
        { offset: at + 12 },
      );
    }
    builder.add(physical, bytes.subarray(fileOffset, fileOffset + fileSize), { offset: at });
  }
  return builder.finish(
    entry === 0 ? undefined : entry,
    { offset: programHeaders },
    'the ELF file (no loadable segment with data)',
  );
}

function truncated(what: string, from: number, to: number, length: number): ImageError {
  return new ImageError(
    'ELF_TRUNCATED',
    `${what} spans bytes ${from}–${to - 1} but the file has only ${length}: the file is cut short`,
    { offset: from },
  );
}
