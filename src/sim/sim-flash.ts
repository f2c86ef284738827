/**
 * The memory of a simulated STM32 as its bootloader sees it: main flash (erased = 0xFF, programming only clears
 * bits), the system-memory values a host reads (flash-size register, 96-bit unique ID), the option-byte block with
 * readout and write protection, and a window of RAM above the bootloader's own use (AN2606).
 * Memory: one Uint8Array of the model's flash size, plus bounded small blocks.
 */
import { AirbootError } from '../io/errors.js';
import type { ChipInfo, ChipModel, EraseUnit } from '../stm32/chips.js';
import { eraseUnits } from '../stm32/chips.js';
import type { OptionLayout } from './option-bytes.js';
import { OPTION_BLOCK_BYTES, optionLayout, rdpLevel } from './option-bytes.js';

/** Bytes of RAM the simulator gives the host from chip.ramStart (enough for loaders such as a reset stub). */
export const SIM_RAM_BYTES = 4096;
/** The flash-size register is 16 bits; the window is a word so a 4-byte read works too (upper half reads 0xFFFF). */
const FLASH_SIZE_WINDOW = 4;
const UNIQUE_ID_BYTES = 12;

export type RegionKind = 'flash' | 'ram' | 'flash-size' | 'unique-id' | 'options';

export interface MemoryRegion {
  readonly kind: RegionKind;
  readonly start: number;
  readonly size: number;
}

/** An access outside the modelled memory map. */
export class SimMemoryError extends AirbootError {
  constructor(
    readonly address: number,
    readonly length: number,
  ) {
    super(
      'SIM_MEMORY',
      `no simulated memory covers ${length} byte(s) at 0x${address.toString(16).padStart(8, '0')}`,
    );
  }
}

/** What one Write Memory into flash did, per programming unit (half-word, word, double-word…). */
export interface ProgramResult {
  /** Units that were programmed while not erased: real flash would be corrupt (or flag an error). */
  violations: number;
  /** Units left untouched because their erase unit is write-protected. */
  protectedSkips: number;
}

export class SimFlash {
  /** Bytes of main flash of this model. */
  readonly size: number;
  readonly base: number;
  /** Erase units (pages or sectors) of this model, in address order. */
  readonly units: readonly EraseUnit[];
  /** Number of flash banks the bank-erase specials address (AN3155 §3.8: 0xFFFE bank 1, 0xFFFD bank 2). */
  readonly banks: 1 | 2;
  readonly layout: OptionLayout;
  private readonly main: Uint8Array;
  private readonly ram = new Uint8Array(SIM_RAM_BYTES);
  private readonly sizeRegister = new Uint8Array(FLASH_SIZE_WINDOW);
  private readonly uniqueId: Uint8Array;
  /** Option bytes as stored in flash; they take effect at the next reset (reloadOptions). */
  readonly options = new Uint8Array(OPTION_BLOCK_BYTES);
  /** Write protection as stored, one flag per erase unit (the simulator's WRP granularity). */
  private readonly wrpStored: Uint8Array;
  /** Write protection in force since the last reset. */
  private readonly wrpActive: Uint8Array;
  private loadedRdp: 0 | 1 | 2 = 0;
  private readonly regions: readonly MemoryRegion[];

  constructor(
    readonly chip: ChipInfo,
    readonly model: ChipModel,
  ) {
    this.size = model.flashBytes;
    this.base = chip.flashBase;
    this.main = new Uint8Array(this.size).fill(0xff);
    this.units = eraseUnits(chip.eraseLayout, this.size, this.base);
    this.banks = DUAL_BANK_PIDS.includes(chip.pid) ? 2 : 1;
    this.layout = optionLayout(chip.family);
    this.options.set(this.layout.defaults);
    this.wrpStored = new Uint8Array(this.units.length);
    this.wrpActive = new Uint8Array(this.units.length);
    const kib = this.size / 1024;
    this.sizeRegister.set([kib & 0xff, (kib >>> 8) & 0xff, 0xff, 0xff]);
    this.uniqueId = uniqueIdFor(model);
    const regions: MemoryRegion[] = [
      { kind: 'flash', start: this.base, size: this.size },
      { kind: 'ram', start: chip.ramStart, size: SIM_RAM_BYTES },
      { kind: 'flash-size', start: chip.flashSizeRegister, size: FLASH_SIZE_WINDOW },
      { kind: 'unique-id', start: chip.uniqueIdAddress, size: UNIQUE_ID_BYTES },
    ];
    if (chip.optionBytes !== undefined) {
      regions.push({ kind: 'options', start: chip.optionBytes, size: OPTION_BLOCK_BYTES });
    }
    this.regions = regions;
  }

  /** The region holding all of [address, address + length), if one does. */
  region(address: number, length = 1): MemoryRegion | undefined {
    return this.regions.find(
      (r) => address >= r.start && length >= 0 && address + length <= r.start + r.size,
    );
  }

  /** A copy of `length` bytes; throws SimMemoryError outside the modelled map. */
  read(address: number, length: number): Uint8Array {
    return this.view(address, length).slice();
  }

  /** The bytes themselves, without a copy: callers must not modify them. */
  view(address: number, length: number): Uint8Array {
    const region = this.region(address, length);
    if (!region) throw new SimMemoryError(address, length);
    const offset = address - region.start;
    return this.store(region.kind).subarray(offset, offset + length);
  }

  /** Load bytes directly (test setup: as if programmed earlier). No timing; in flash it still only clears bits. */
  load(address: number, bytes: Uint8Array): void {
    const region = this.region(address, bytes.length);
    if (!region || (region.kind !== 'flash' && region.kind !== 'ram')) {
      throw new SimMemoryError(address, bytes.length);
    }
    const store = this.store(region.kind);
    const offset = address - region.start;
    for (let i = 0; i < bytes.length; i++) {
      store[offset + i] = region.kind === 'flash' ? store[offset + i]! & bytes[i]! : bytes[i]!;
    }
  }

  /**
   * Program flash as the bootloader's Write Memory does, unit by unit of `programUnit` bytes. A unit whose new data
   * is all 0xFF is padding and is not programmed; any other unit over non-erased cells is a violation, and the
   * cells end as old AND new, which is what flash that only clears bits gives.
   */
  program(address: number, bytes: Uint8Array, programUnit: number): ProgramResult {
    const region = this.region(address, bytes.length);
    if (region?.kind !== 'flash') throw new SimMemoryError(address, bytes.length);
    const result: ProgramResult = { violations: 0, protectedSkips: 0 };
    const start = address - this.base;
    for (let unit = 0; unit < bytes.length; unit += programUnit) {
      const end = Math.min(unit + programUnit, bytes.length);
      if (isErased(bytes, unit, end)) continue;
      if (this.wrpActive[this.unitIndexAt(address + unit)]) {
        result.protectedSkips++;
        continue;
      }
      if (!isErased(this.main, start + unit, start + end)) result.violations++;
      for (let i = unit; i < end; i++) this.main[start + i] = this.main[start + i]! & bytes[i]!;
    }
    return result;
  }

  /** Write RAM (the bootloader writes it byte for byte). */
  writeRam(address: number, bytes: Uint8Array): void {
    const region = this.region(address, bytes.length);
    if (region?.kind !== 'ram') throw new SimMemoryError(address, bytes.length);
    this.ram.set(bytes, address - region.start);
  }

  /** Erase one page or sector by index; false when it is write-protected (left as it is). */
  eraseUnit(index: number): boolean {
    const unit = this.units[index];
    if (!unit) throw new RangeError(`no erase unit ${index} in ${this.units.length}`);
    if (this.wrpActive[index]) return false;
    const offset = unit.address - this.base;
    this.main.fill(0xff, offset, offset + unit.size);
    return true;
  }

  /** Indices of the erase units of bank 1 or 2 (each half of a dual-bank flash). */
  bankUnits(bank: 1 | 2): number[] {
    const middle = this.base + this.size / 2;
    const indices: number[] = [];
    for (let i = 0; i < this.units.length; i++) {
      const inFirst = this.units[i]!.address < middle;
      if (inFirst === (bank === 1)) indices.push(i);
    }
    return indices;
  }

  /** Erase the whole main flash, write protection or not (as readout unprotect and test setup need). */
  eraseAll(): void {
    this.main.fill(0xff);
  }

  /** Index of the erase unit holding this flash address. */
  unitIndexAt(address: number): number {
    const offset = address - this.base;
    if (offset < 0 || offset >= this.size) throw new SimMemoryError(address, 1);
    const layout = this.chip.eraseLayout;
    if (layout.kind === 'pages') return Math.floor(offset / layout.pageSize);
    return this.units.findIndex((unit) => address >= unit.address && address < unit.address + unit.size);
  }

  /** Option-byte write (AN3155 §3.6): the block is erased, then programmed with `bytes` from its start. */
  writeOptions(bytes: Uint8Array): void {
    if (bytes.length > OPTION_BLOCK_BYTES) throw new SimMemoryError(this.chip.optionBytes ?? 0, bytes.length);
    this.options.fill(0xff);
    this.options.set(bytes);
  }

  /** Store write protection for these erase units (effective after reset). */
  protectUnits(indices: readonly number[]): void {
    for (const index of indices) this.wrpStored[index] = 1;
  }

  /** Clear all stored write protection (effective after reset). */
  unprotectAll(): void {
    this.wrpStored.fill(0);
  }

  isWriteProtected(index: number): boolean {
    return this.wrpActive[index] === 1;
  }

  /** Readout protection level loaded at the last reset. */
  get readoutLevel(): 0 | 1 | 2 {
    return this.loadedRdp;
  }

  /** Readout protection level stored in the option bytes now (takes effect at the next reset). */
  get storedReadoutLevel(): 0 | 1 | 2 {
    return rdpLevel(this.layout, this.options);
  }

  /** What a reset does to protection: the option bytes are loaded into the flash interface. */
  reloadOptions(): void {
    this.loadedRdp = rdpLevel(this.layout, this.options);
    this.wrpActive.set(this.wrpStored);
  }

  private store(kind: RegionKind): Uint8Array {
    switch (kind) {
      case 'flash':
        return this.main;
      case 'ram':
        return this.ram;
      case 'flash-size':
        return this.sizeRegister;
      case 'unique-id':
        return this.uniqueId;
      case 'options':
        return this.options;
    }
  }
}

/** Parts with two banks the bank-erase specials address: F10x XL, G47x/G48x, L47x/L48x, H74x/H75x. */
const DUAL_BANK_PIDS: readonly number[] = [0x430, 0x469, 0x415, 0x450];

function isErased(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

/** A 96-bit ID that is the same for every run of a model and differs between models (FNV-1a + xorshift32). */
function uniqueIdFor(model: ChipModel): Uint8Array {
  let seed = 0x811c_9dc5;
  for (let i = 0; i < model.name.length; i++) seed = Math.imul(seed ^ model.name.charCodeAt(i), 0x0100_0193);
  const id = new Uint8Array(UNIQUE_ID_BYTES);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < id.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    id[i] = x & 0xff;
  }
  return id;
}
