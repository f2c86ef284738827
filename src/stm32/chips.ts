/**
 * What airboot knows about each STM32 family, keyed by the product ID that Get ID (AN3155 §3.3) returns. Data, not
 * code: a new part is a new row. Sources: AN2606 (bootloader RAM use, start-up), the reference manuals (flash
 * layout, flash-size and unique-ID registers), the datasheets (programming and erase times).
 * See ../shared/reference/stm32-bootloader.md, table "Chips".
 */
import { AirbootError } from '../io/errors.js';

export const FLASH_BASE = 0x0800_0000;

/** How a flash is divided into erase units, counted from FLASH_BASE. */
export type EraseLayout =
  | { readonly kind: 'pages'; readonly pageSize: number }
  /** F2/F4/F7/H7 style: sector sizes in order; the list repeats its last size up to the flash size. */
  | { readonly kind: 'sectors'; readonly sizes: readonly number[] };

/** Flash timing of a family, used by the simulator and the benchmark's floor. Typical datasheet values. */
export interface FlashTiming {
  /** Bytes programmed in one step (half-word, word, double-word, 256-bit flash word, or byte on F4 at x8). */
  readonly programUnit: number;
  /** Microseconds per programming step. */
  readonly programUs: number;
  /** Milliseconds to erase one erase unit of `size` bytes. */
  readonly eraseMs: (size: number) => number;
  /** Milliseconds for a mass erase. */
  readonly massEraseMs: number;
  /** Milliseconds from NRST release until the bootloader answers 0x7F (AN2606). */
  readonly bootloaderStartMs: number;
}

export type Family = 'F0' | 'F1' | 'F4' | 'G0' | 'G4' | 'L0' | 'L4' | 'H7';

export interface ChipInfo {
  /** Product ID from Get ID (12 bits). */
  readonly pid: number;
  readonly name: string;
  readonly family: Family;
  readonly flashBase: number;
  /** Largest flash of any part with this PID, in bytes; the flash-size register tells the actual part's. */
  readonly flashMaxBytes: number;
  /** Address of the 16-bit flash size in KiB. */
  readonly flashSizeRegister: number;
  readonly eraseLayout: EraseLayout;
  /** First RAM address free for the host (above the bootloader's own use, AN2606). */
  readonly ramStart: number;
  /** Option-byte base, where a write of option bytes must start; undefined where the bootloader has none. */
  readonly optionBytes: number | undefined;
  /** Writes must start on and cover whole multiples of this many bytes. */
  readonly writeAlign: number;
  /** The erase command the bootloader lists in Get: Erase (0x43) or Extended Erase (0x44). */
  readonly eraseCommand: 0x43 | 0x44;
  /** Whether the bootloader accepts a global (mass) erase. L0 does not. */
  readonly massErase: boolean;
  /** Address of the 96-bit unique device ID. */
  readonly uniqueIdAddress: number;
  /** USART bootloader protocol version the simulator reports (Get, Get Version). Get Checksum needs ≥ 0x33. */
  readonly protocolVersion: number;
  readonly timing: FlashTiming;
}

const KiB = 1024;

/** F2/F4 sector map of one 1 MiB bank: 4 × 16 K, 64 K, then 128 K sectors (RM0090 §3.3). */
const F4_SECTORS: EraseLayout = {
  kind: 'sectors',
  sizes: [16 * KiB, 16 * KiB, 16 * KiB, 16 * KiB, 64 * KiB, 128 * KiB],
};

const F0_TIMING: FlashTiming = {
  programUnit: 2,
  programUs: 53.5,
  eraseMs: () => 30,
  massEraseMs: 30,
  bootloaderStartMs: 50,
};
const F1_TIMING: FlashTiming = {
  // STM32F103x8/B datasheet §5.3.9: half-word 52.5 µs typ; page and mass erase 20–40 ms.
  programUnit: 2,
  programUs: 52.5,
  eraseMs: () => 30,
  massEraseMs: 30,
  bootloaderStartMs: 50,
};
const F4_TIMING: FlashTiming = {
  // Unverified (reference table): x8 programming ~16 µs; 16 K sector 0.4 s, 64 K 1.1 s, 128 K 2 s typ; mass 16 s.
  programUnit: 1,
  programUs: 16,
  eraseMs: (size) => (size <= 16 * KiB ? 400 : size <= 64 * KiB ? 1100 : 2000),
  massEraseMs: 16000,
  bootloaderStartMs: 85,
};
const G0_TIMING: FlashTiming = {
  // STM32G030 datasheet: double-word 85 µs typ; 2 K page 22 ms typ.
  programUnit: 8,
  programUs: 85,
  eraseMs: () => 22,
  massEraseMs: 22,
  bootloaderStartMs: 50,
};
const L0_TIMING: FlashTiming = {
  // L0 word programming and 128-byte page erase take 3.2 ms each (datasheet t_prog).
  programUnit: 4,
  programUs: 3200,
  eraseMs: () => 3.2,
  massEraseMs: 0,
  bootloaderStartMs: 50,
};
const L4_TIMING: FlashTiming = {
  // Unverified (reference table): double-word ≈ 82–91 µs; 2 K page and mass erase ≈ 22–25 ms.
  programUnit: 8,
  programUs: 86,
  eraseMs: () => 23,
  massEraseMs: 23,
  bootloaderStartMs: 100,
};
const H7_TIMING: FlashTiming = {
  // Unverified: 256-bit flash word ~100 µs; 128 K sector ~2 s; bank erase ~8 s.
  programUnit: 32,
  programUs: 100,
  eraseMs: () => 2000,
  massEraseMs: 8000,
  bootloaderStartMs: 100,
};

interface FamilyDefaults {
  flashSizeRegister: number;
  uniqueIdAddress: number;
  optionBytes: number | undefined;
  writeAlign: number;
  protocolVersion: number;
  timing: FlashTiming;
  massErase: boolean;
}

const FAMILY: Record<Family, FamilyDefaults> = {
  F0: {
    flashSizeRegister: 0x1fff_f7cc,
    uniqueIdAddress: 0x1fff_f7ac,
    optionBytes: 0x1fff_f800,
    writeAlign: 4,
    protocolVersion: 0x31,
    timing: F0_TIMING,
    massErase: true,
  },
  F1: {
    flashSizeRegister: 0x1fff_f7e0,
    uniqueIdAddress: 0x1fff_f7e8,
    optionBytes: 0x1fff_f800,
    writeAlign: 4,
    protocolVersion: 0x22,
    timing: F1_TIMING,
    massErase: true,
  },
  F4: {
    flashSizeRegister: 0x1fff_7a22,
    uniqueIdAddress: 0x1fff_7a10,
    optionBytes: 0x1fff_c000,
    writeAlign: 4,
    protocolVersion: 0x31,
    timing: F4_TIMING,
    massErase: true,
  },
  // Protocol 3.3 on the newer families is the simulator's choice so that Get Checksum (0xA1) is exercised.
  G0: {
    flashSizeRegister: 0x1fff_75e0,
    uniqueIdAddress: 0x1fff_7590,
    optionBytes: 0x1fff_7800,
    writeAlign: 8,
    protocolVersion: 0x33,
    timing: G0_TIMING,
    massErase: true,
  },
  G4: {
    flashSizeRegister: 0x1fff_75e0,
    uniqueIdAddress: 0x1fff_7590,
    optionBytes: 0x1fff_7800,
    writeAlign: 8,
    protocolVersion: 0x33,
    timing: G0_TIMING,
    massErase: true,
  },
  L0: {
    flashSizeRegister: 0x1ff8_007c,
    uniqueIdAddress: 0x1ff8_0050,
    optionBytes: 0x1ff8_0000,
    writeAlign: 8,
    protocolVersion: 0x31,
    timing: L0_TIMING,
    massErase: false,
  },
  L4: {
    flashSizeRegister: 0x1fff_75e0,
    uniqueIdAddress: 0x1fff_7590,
    optionBytes: 0x1fff_7800,
    writeAlign: 8,
    protocolVersion: 0x31,
    timing: L4_TIMING,
    massErase: true,
  },
  H7: {
    flashSizeRegister: 0x1ff1_e880,
    uniqueIdAddress: 0x1ff1_e800,
    optionBytes: undefined,
    writeAlign: 32,
    protocolVersion: 0x33,
    timing: H7_TIMING,
    massErase: true,
  },
};

function chip(
  pid: number,
  name: string,
  family: Family,
  flashKiB: number,
  eraseLayout: EraseLayout,
  ramStart: number,
  eraseCommand: 0x43 | 0x44,
): ChipInfo {
  const defaults = FAMILY[family];
  return Object.freeze({
    pid,
    name,
    family,
    flashBase: FLASH_BASE,
    flashMaxBytes: flashKiB * KiB,
    eraseLayout,
    ramStart,
    eraseCommand,
    ...defaults,
  });
}

const pages = (kib: number): EraseLayout => ({ kind: 'pages', pageSize: kib * KiB });

/** Every PID in the reference table. */
export const CHIPS: readonly ChipInfo[] = Object.freeze([
  chip(0x444, 'STM32F03x x4/x6', 'F0', 32, pages(1), 0x2000_0800, 0x44),
  chip(0x440, 'STM32F030x8/F05x', 'F0', 64, pages(1), 0x2000_0800, 0x44),
  chip(0x442, 'STM32F030xC/F09x', 'F0', 256, pages(2), 0x2000_1800, 0x44),
  chip(0x445, 'STM32F04x', 'F0', 32, pages(1), 0x2000_1800, 0x44),
  chip(0x448, 'STM32F070xB/F071/F072', 'F0', 128, pages(2), 0x2000_1800, 0x44),
  chip(0x412, 'STM32F10x low density', 'F1', 32, pages(1), 0x2000_0200, 0x43),
  chip(0x410, 'STM32F10x medium density', 'F1', 128, pages(1), 0x2000_0200, 0x43),
  chip(0x414, 'STM32F10x high density', 'F1', 512, pages(2), 0x2000_0200, 0x43),
  chip(0x430, 'STM32F10x XL density', 'F1', 1024, pages(2), 0x2000_0800, 0x44),
  chip(0x423, 'STM32F401xB/C', 'F4', 256, F4_SECTORS, 0x2000_3000, 0x44),
  chip(0x433, 'STM32F401xD/E', 'F4', 512, F4_SECTORS, 0x2000_3000, 0x44),
  chip(0x431, 'STM32F411xC/E', 'F4', 512, F4_SECTORS, 0x2000_3000, 0x44),
  chip(0x413, 'STM32F405/F407/F415/F417', 'F4', 1024, F4_SECTORS, 0x2000_3000, 0x44),
  chip(0x421, 'STM32F446', 'F4', 512, F4_SECTORS, 0x2000_3000, 0x44),
  chip(0x466, 'STM32G030/G031/G041', 'G0', 64, pages(2), 0x2000_1000, 0x44),
  chip(0x460, 'STM32G070/G071/G081', 'G0', 128, pages(2), 0x2000_3000, 0x44),
  chip(0x468, 'STM32G431/G441', 'G4', 128, pages(2), 0x2000_4000, 0x44),
  chip(0x469, 'STM32G47x/G48x', 'G4', 512, pages(2), 0x2000_4000, 0x44),
  chip(0x425, 'STM32L031/L041', 'L0', 32, { kind: 'pages', pageSize: 128 }, 0x2000_1000, 0x44),
  chip(0x435, 'STM32L43x/L44x', 'L4', 256, pages(2), 0x2000_3100, 0x44),
  chip(0x415, 'STM32L47x/L48x', 'L4', 1024, pages(2), 0x2000_3100, 0x44),
  chip(0x450, 'STM32H74x/H75x', 'H7', 2048, { kind: 'sectors', sizes: [128 * KiB] }, 0x2000_4100, 0x44),
]);

const BY_PID = new Map(CHIPS.map((info) => [info.pid, info]));

export class UnknownChipError extends AirbootError {
  constructor(readonly pid: number) {
    super(
      'UNKNOWN_CHIP',
      `unknown STM32 product ID 0x${pid.toString(16).padStart(3, '0')}: airboot has no flash layout for it. ` +
        'Give the layout explicitly (e.g. --flash-size 128K --page-size 2K, or --flash-size 1M --sectors 16K,16K,16K,16K,64K,128K), ' +
        'or report the part so it can be added to the chip database.',
    );
  }
}

/** The chip with this product ID; throws UnknownChipError naming the PID and how to proceed. */
export function chipByPid(pid: number): ChipInfo {
  const info = BY_PID.get(pid);
  if (!info) throw new UnknownChipError(pid);
  return info;
}

export function findChip(pid: number): ChipInfo | undefined {
  return BY_PID.get(pid);
}

/** One erase unit: its index (page or sector number as the erase command wants it), address and size. */
export interface EraseUnit {
  readonly index: number;
  readonly address: number;
  readonly size: number;
}

/** The erase units of a flash of `flashBytes` bytes, in address order. */
export function eraseUnits(layout: EraseLayout, flashBytes: number, base = FLASH_BASE): EraseUnit[] {
  const units: EraseUnit[] = [];
  let offset = 0;
  for (let index = 0; offset < flashBytes; index++) {
    const size =
      layout.kind === 'pages'
        ? layout.pageSize
        : (layout.sizes[Math.min(index, layout.sizes.length - 1)] as number);
    units.push({ index, address: base + offset, size });
    offset += size;
  }
  return units;
}

/**
 * Simulated part numbers: one or more per PID, with the flash size the flash-size register reports.
 * `airboot sim --chip NAME` takes these names.
 */
export interface ChipModel {
  readonly name: string;
  readonly pid: number;
  readonly flashBytes: number;
}

const model = (name: string, pid: number, flashKiB: number): ChipModel =>
  Object.freeze({ name, pid, flashBytes: flashKiB * KiB });

export const MODELS: readonly ChipModel[] = Object.freeze([
  model('F030F4', 0x444, 16),
  model('F030C8', 0x440, 64),
  model('F030CC', 0x442, 256),
  model('F042K6', 0x445, 32),
  model('F072RB', 0x448, 128),
  model('F103C6', 0x412, 32),
  model('F103C8', 0x410, 64),
  model('F103CB', 0x410, 128),
  model('F103RE', 0x414, 512),
  model('F103ZG', 0x430, 1024),
  model('F401CC', 0x423, 256),
  model('F401CE', 0x433, 512),
  model('F411CE', 0x431, 512),
  model('F407VG', 0x413, 1024),
  model('F446RE', 0x421, 512),
  model('G031K8', 0x466, 64),
  model('G071RB', 0x460, 128),
  model('G431KB', 0x468, 128),
  model('G474RE', 0x469, 512),
  model('L031K6', 0x425, 32),
  model('L432KC', 0x435, 256),
  model('L476RG', 0x415, 1024),
  model('H743ZI', 0x450, 2048),
]);

export function modelByName(name: string): ChipModel | undefined {
  const wanted = name.toUpperCase().replace(/^STM32/, '');
  return MODELS.find((m) => m.name === wanted);
}
