/**
 * The option-byte block of each family as the simulator keeps it: a plausible factory default, and where the
 * readout-protection (RDP) byte and its complement sit. Only RDP is interpreted; the other bytes are stored and
 * read back as written. Sources: RM0008 §2.5 (F1: RDP 0xA5 = unprotected), RM0091 §4 (F0), RM0090 §3.6 (F4),
 * RM0444 / RM0440 / RM0351 (G0 / G4 / L4: FLASH_OPTR, RDP 0xAA = level 0, 0xCC = level 2), RM0377 §3.4 (L0).
 * Default values of the non-RDP bytes are illustrative, not copied from a real part.
 */
import type { Family } from '../stm32/chips.js';

/** Bytes in the simulated option-byte block, for every family. */
export const OPTION_BLOCK_BYTES = 16;

export interface OptionLayout {
  /** Factory content of the block. */
  readonly defaults: readonly number[];
  /** Offset of the RDP byte in the block. */
  readonly rdpOffset: number;
  /** Offset of the RDP complement byte, on families that store one. */
  readonly complementOffset: number | undefined;
  /** RDP value of level 0 (no protection). */
  readonly level0: number;
  /** RDP value of level 2 (bootloader disabled for ever); undefined where the family has no level 2 (F1). */
  readonly level2: number | undefined;
  /** RDP value Readout Protect (AN3155 §3.11) writes: any value other than level 0 and 2 means level 1. */
  readonly level1: number;
}

const F1: OptionLayout = {
  defaults: [0xa5, 0x5a, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00],
  rdpOffset: 0,
  complementOffset: 1,
  level0: 0xa5,
  level2: undefined,
  level1: 0x00,
};

const F0: OptionLayout = {
  ...F1,
  defaults: [0xaa, 0x55, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00],
  level0: 0xaa,
  level2: 0xcc,
  level1: 0xbb,
};

/** F4: USER byte then RDP in the first half-word; nWRP at offset 8. No complements in this area. */
const F4: OptionLayout = {
  defaults: [0xec, 0xaa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  rdpOffset: 1,
  complementOffset: undefined,
  level0: 0xaa,
  level2: 0xcc,
  level1: 0xbb,
};

/** G0/G4/L4: FLASH_OPTR little-endian (RDP in its low byte), then its complement word. */
const OPTR: OptionLayout = {
  defaults: [0xaa, 0xf8, 0xef, 0xff, 0x55, 0x07, 0x10, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00],
  rdpOffset: 0,
  complementOffset: 4,
  level0: 0xaa,
  level2: 0xcc,
  level1: 0xbb,
};

/** L0: RDP in byte 0, nRDP in byte 2 of the first word. */
const L0: OptionLayout = {
  defaults: [0xaa, 0x00, 0x55, 0xff, 0x70, 0x80, 0x8f, 0x7f, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff],
  rdpOffset: 0,
  complementOffset: 2,
  level0: 0xaa,
  level2: 0xcc,
  level1: 0xbb,
};

/** H7: kept internally only (its bootloader maps no option-byte area for Write Memory); RDP as in FLASH_OPTSR. */
const H7: OptionLayout = { ...F4, defaults: [0xec, 0xaa, ...new Array<number>(14).fill(0xff)] };

const LAYOUTS: Record<Family, OptionLayout> = { F0, F1, F4, G0: OPTR, G4: OPTR, L0, L4: OPTR, H7 };

export function optionLayout(family: Family): OptionLayout {
  return LAYOUTS[family];
}

/** Readout protection level encoded by a block. */
export function rdpLevel(layout: OptionLayout, block: Uint8Array): 0 | 1 | 2 {
  const value = block[layout.rdpOffset]!;
  if (value === layout.level0) return 0;
  if (layout.level2 !== undefined && value === layout.level2) return 2;
  return 1;
}

/** Store an RDP value and, where the family has one, its complement. */
export function setRdp(layout: OptionLayout, block: Uint8Array, value: number): void {
  block[layout.rdpOffset] = value & 0xff;
  if (layout.complementOffset !== undefined) block[layout.complementOffset] = ~value & 0xff;
}
