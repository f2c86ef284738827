/**
 * Writers of Intel HEX, S-record and ELF files for the tests: written from the format specifications, sharing no
 * code with the parsers, so a round trip checks the parsers against an independent reading of the specs.
 */

export interface Block {
  readonly address: number;
  readonly data: Uint8Array;
}

/** ASCII text → bytes (XS has no TextEncoder in every build). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function bytesToText(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

function hex2(value: number): string {
  return (value & 0xff).toString(16).toUpperCase().padStart(2, '0');
}

/** One Intel HEX record line (without line end): ':' count offset type data checksum. */
export function hexRecord(type: number, offset: number, data: ArrayLike<number> = []): string {
  const bytes = [data.length, (offset >> 8) & 0xff, offset & 0xff, type, ...Array.from(data)];
  const sum = bytes.reduce((a, b) => a + b, 0);
  return `:${bytes.map(hex2).join('')}${hex2(0x100 - (sum & 0xff))}`;
}

export interface HexWriteOptions {
  recordBytes?: number;
  entry?: number;
  /** Give the entry as a type 03 CS:IP record (entry = CS × 16 + IP; IP takes the low 4 bits). */
  segmentEntry?: boolean;
  lineEnd?: string;
  lowerCase?: boolean;
}

/** Intel HEX with type 04 extended linear addresses; records never cross a 64 KiB boundary. */
export function writeIntelHex(blocks: readonly Block[], options: HexWriteOptions = {}): Uint8Array {
  const recordBytes = options.recordBytes ?? 16;
  const lines: string[] = [];
  let upper = -1;
  for (const block of blocks) {
    let i = 0;
    while (i < block.data.length) {
      const address = block.address + i;
      const high = Math.floor(address / 0x10000);
      const low = address % 0x10000;
      if (high !== upper) {
        lines.push(hexRecord(4, 0, [high >> 8, high & 0xff]));
        upper = high;
      }
      const n = Math.min(recordBytes, block.data.length - i, 0x10000 - low);
      lines.push(hexRecord(0, low, block.data.subarray(i, i + n)));
      i += n;
    }
  }
  if (options.entry !== undefined) {
    const e = options.entry;
    if (options.segmentEntry) {
      const cs = Math.floor(e / 16);
      const ip = e % 16;
      lines.push(hexRecord(3, 0, [cs >> 8, cs & 0xff, ip >> 8, ip & 0xff]));
    } else {
      lines.push(hexRecord(5, 0, [(e >>> 24) & 0xff, (e >>> 16) & 0xff, (e >>> 8) & 0xff, e & 0xff]));
    }
  }
  lines.push(hexRecord(1, 0));
  const end = options.lineEnd ?? '\n';
  let text = lines.join(end) + end;
  if (options.lowerCase) text = text.toLowerCase();
  return ascii(text);
}

/** One S-record line: 'S' type count address data checksum (ones' complement of the sum). */
export function sRecord(
  type: number,
  address: number,
  addressBytes: number,
  data: ArrayLike<number> = [],
): string {
  const bytes = [addressBytes + data.length + 1];
  for (let i = addressBytes - 1; i >= 0; i--) bytes.push(Math.floor(address / 256 ** i) & 0xff);
  bytes.push(...Array.from(data));
  const sum = bytes.reduce((a, b) => a + b, 0);
  return `S${type}${bytes.map(hex2).join('')}${hex2(~sum & 0xff)}`;
}

export interface SRecordWriteOptions {
  recordBytes?: number;
  entry?: number;
  /** Address width of the data records; by default the narrowest that fits every block and the entry. */
  addressBytes?: 2 | 3 | 4;
  /** Write the S5/S6 record count (default true). */
  count?: boolean;
  /** Write the S7/S8/S9 termination record (default true). */
  terminate?: boolean;
  lineEnd?: string;
}

export function writeSRecord(blocks: readonly Block[], options: SRecordWriteOptions = {}): Uint8Array {
  const recordBytes = options.recordBytes ?? 16;
  // The termination record has the data records' address width, so the entry point must fit it too.
  const top = blocks.reduce((m, b) => Math.max(m, b.address + b.data.length - 1), options.entry ?? 0);
  const width = options.addressBytes ?? (top <= 0xffff ? 2 : top <= 0xffffff ? 3 : 4);
  const dataType = width - 1; // S1, S2, S3
  const lines = [sRecord(0, 0, 2, ascii('airboot test'))];
  let records = 0;
  for (const block of blocks) {
    for (let i = 0; i < block.data.length; i += recordBytes) {
      lines.push(sRecord(dataType, block.address + i, width, block.data.subarray(i, i + recordBytes)));
      records++;
    }
  }
  if (options.count ?? true) lines.push(records <= 0xffff ? sRecord(5, records, 2) : sRecord(6, records, 3));
  if (options.terminate ?? true) lines.push(sRecord(11 - width, options.entry ?? 0, width)); // S9, S8, S7
  const end = options.lineEnd ?? '\n';
  return ascii(lines.join(end) + end);
}

export interface ElfProgram {
  /** Program header type (1 = PT_LOAD). */
  type?: number;
  paddr: number;
  vaddr?: number;
  data: Uint8Array;
  /** p_memsz; defaults to data.length (bigger means .bss follows). */
  memSize?: number;
}

export interface ElfWriteOptions {
  entry?: number;
  machine?: number;
  elfType?: number;
  /** Section-like filler placed between the header table and the data (tests offset handling). */
  padding?: number;
}

/**
 * A minimal ELF32 little-endian executable (gABI "ELF Header", "Program Header"): the 52-byte header, the program
 * header table right after it, then each program's bytes. No sections.
 */
export function writeElf(programs: readonly ElfProgram[], options: ElfWriteOptions = {}): Uint8Array {
  const headerBytes = 52;
  const entryBytes = 32;
  let offset = headerBytes + programs.length * entryBytes + (options.padding ?? 0);
  const offsets = programs.map((p) => {
    const at = offset;
    offset += p.data.length;
    return at;
  });
  const file = new Uint8Array(offset);
  const view = new DataView(file.buffer);
  file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0); // magic, ELFCLASS32, ELFDATA2LSB, EV_CURRENT
  view.setUint16(16, options.elfType ?? 2, true);
  view.setUint16(18, options.machine ?? 40, true);
  view.setUint32(20, 1, true);
  view.setUint32(24, options.entry ?? 0, true);
  view.setUint32(28, programs.length > 0 ? headerBytes : 0, true);
  view.setUint32(32, 0, true);
  view.setUint16(40, headerBytes, true);
  view.setUint16(42, entryBytes, true);
  view.setUint16(44, programs.length, true);
  view.setUint16(46, 40, true);
  programs.forEach((p, i) => {
    const at = headerBytes + i * entryBytes;
    view.setUint32(at, p.type ?? 1, true);
    view.setUint32(at + 4, offsets[i]!, true);
    view.setUint32(at + 8, p.vaddr ?? p.paddr, true);
    view.setUint32(at + 12, p.paddr, true);
    view.setUint32(at + 16, p.data.length, true);
    view.setUint32(at + 20, p.memSize ?? p.data.length, true);
    view.setUint32(at + 24, 5, true); // PF_R | PF_X
    view.setUint32(at + 28, 4, true);
    file.set(p.data, offsets[i]!);
  });
  return file;
}

/** Deterministic pseudo-random bytes (a linear congruential generator; tests must not depend on Math.random). */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** Feed `bytes` to an incremental parser in chunks of `size`. */
export function feed(parser: { push(chunk: Uint8Array): void }, bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) parser.push(bytes.subarray(i, i + size));
}
