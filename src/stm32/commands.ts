/** AN3155 command codes and framing bytes, named as in the application note (§2, §3). */
export const ACK = 0x79;
export const NACK = 0x1f;
/** Sent once after reset so the bootloader measures the baud (AN3155 §2). */
export const SYNC = 0x7f;

export const Command = Object.freeze({
  Get: 0x00,
  GetVersion: 0x01,
  GetId: 0x02,
  ReadMemory: 0x11,
  Go: 0x21,
  WriteMemory: 0x31,
  Erase: 0x43,
  ExtendedErase: 0x44,
  Special: 0x50,
  ExtendedSpecial: 0x51,
  WriteProtect: 0x63,
  WriteUnprotect: 0x73,
  ReadoutProtect: 0x82,
  ReadoutUnprotect: 0x92,
  GetChecksum: 0xa1,
} as const);

export type CommandCode = (typeof Command)[keyof typeof Command];

/** Most bytes one Read Memory or Write Memory command moves (AN3155 §3.4, §3.6). */
export const MAX_TRANSFER = 256;
/** Most pages one Erase / Extended Erase command may list (stm32flash and AN3155 §3.8 practice). */
export const MAX_ERASE_PAGES = 512;

/** XOR of all bytes: the checksum AN3155 appends to addresses, lengths and data. */
export function xorChecksum(bytes: Uint8Array, initial = 0): number {
  let x = initial;
  for (let i = 0; i < bytes.length; i++) x ^= bytes[i]!;
  return x & 0xff;
}

/** 4-byte big-endian address followed by its XOR (AN3155 §3.4 step "send the start address"). */
export function addressFrame(address: number): Uint8Array {
  const frame = new Uint8Array(5);
  frame[0] = (address >>> 24) & 0xff;
  frame[1] = (address >>> 16) & 0xff;
  frame[2] = (address >>> 8) & 0xff;
  frame[3] = address & 0xff;
  frame[4] = xorChecksum(frame.subarray(0, 4));
  return frame;
}
