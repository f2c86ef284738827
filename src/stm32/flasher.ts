/**
 * Flash a firmware image through the STM32 system bootloader (AN3155): identify the chip, plan and run the erase,
 * write in 256-byte blocks, verify (Get Checksum where the bootloader has it, read-back otherwise), optionally Go.
 * It never reports success for an image that is not in flash: a difference ends in VerifyError, a failure that
 * outlasts the retries ends in the failure's own error.
 *
 * Traffic is the protocol's least: no Get Version (Get has the version), no pause between blocks, each frame sent
 * as soon as the previous ACK arrives. Retries (after a re-sync) happen only when something went wrong.
 */
import type { Log, Timer } from '../io/contracts.js';
import { silentLog } from '../io/contracts.js';
import type { Bootloader, BootloaderTimeouts, SyncOptions } from './bootloader.js';
import type { CancelToken } from './cancel.js';
import type { EraseUnit } from './chips.js';
import { findChip } from './chips.js';
import { Command, MAX_TRANSFER } from './commands.js';
import type { ErasePlan } from './erase-plan.js';
import { planErase } from './erase-plan.js';
import {
  ImageRangeError,
  NackError,
  ProtocolError,
  TimeoutError,
  VerifyError,
  WriteError,
} from './errors.js';
import type { FlashLayout, Target } from './identify.js';
import { identify } from './identify.js';
import type { FlashImage, ImageBlock } from './image-view.js';
import { PageCrcError, pageCrcSupported, pageCrcs } from './page-crc/run.js';

export type FlashPhase = 'connect' | 'erase' | 'write' | 'verify' | 'go';

export interface FlashProgress {
  phase: FlashPhase;
  /** Units erased, or bytes written / verified, so far. */
  done: number;
  /** Units to erase, or bytes to write / verify. */
  total: number;
  /** 0–100, whole numbers. */
  percent: number;
}

export interface FlashOptions {
  /** Check the flash against the image afterwards. Default true. */
  verify?: boolean;
  /**
   * Start the firmware with Go (AN3155 §3.5) afterwards: `true` goes to the image's entry when it is a vector table
   * address (an even ELF/HEX entry), else to the flash base; a number goes there.
   */
  go?: boolean | number;
  /**
   * Compare each erase unit first and leave alone those already equal: by Get Checksum where the bootloader has it,
   * else by the page-CRC routine in RAM (`ramCrc`), else by reading the units back.
   */
  skipUnchanged?: boolean;
  /**
   * Let skip-unchanged checksum the flash with airboot's routine in the chip's RAM (src/stm32/page-crc) when the
   * bootloader lacks Get Checksum. Default true; used only with `reenterBootloader`, to recover if it fails.
   */
  ramCrc?: boolean;
  /**
   * Put the chip back in its bootloader (BOOT0 high, NRST pulse). Only with it does the flasher start code in RAM:
   * should that code fail, this is the way back.
   */
  reenterBootloader?: () => Promise<void>;
  /** Erase all of the flash, not only the units the image covers. */
  eraseAll?: boolean;
  /** Lift readout protection when reads are refused (Readout Unprotect erases the whole flash). */
  unprotect?: boolean;
  /** The flash of a part the chip database lacks. */
  layout?: FlashLayout;
  /** Override answer timeouts of the bootloader (ms); applied to it for this and later jobs. */
  timeouts?: Partial<BootloaderTimeouts>;
  /** Times one block or erase is tried again after a NACK, timeout or damaged answer. Default 3. */
  retries?: number;
  sync?: SyncOptions;
  onProgress?: (event: FlashProgress) => void;
  cancel?: CancelToken;
  /** Clock for the phase times. Default the bootloader's. */
  timer?: Timer;
  log?: Log;
}

export interface FlashResult {
  chip: { pid: number; name: string; flashBytes: number };
  bootloaderVersion: number;
  /** Bytes sent with Write Memory, padding included. */
  bytesWritten: number;
  unitsErased: number;
  /** Units left alone because they already held the image (skipUnchanged). */
  unitsSkipped: number;
  /** How skip-unchanged compared the flash with the image ('none' without skip-unchanged). */
  compareMethod: 'checksum' | 'ram-crc' | 'read-back' | 'none';
  verified: boolean;
  verifyMethod: 'checksum' | 'read-back' | 'none';
  /** Time of each phase, ms. */
  phases: Record<FlashPhase, number>;
  totalMs: number;
}

/** Flash `image` through `target` (a Bootloader on the chip's USART). */
export function flash(
  target: Bootloader,
  image: FlashImage,
  options: FlashOptions = {},
): Promise<FlashResult> {
  return new FlashJob(target, image, options).run();
}

/** One flash job; `run()` once. */
export class FlashJob {
  private readonly timer: Timer;
  private readonly log: Log;
  private readonly retries: number;
  private readonly phases: Record<FlashPhase, number> = { connect: 0, erase: 0, write: 0, verify: 0, go: 0 };
  private compareMethod: FlashResult['compareMethod'] = 'none';

  constructor(
    readonly target: Bootloader,
    readonly image: FlashImage,
    readonly options: FlashOptions = {},
  ) {
    this.timer = options.timer ?? target.timer;
    this.log = options.log ?? silentLog;
    this.retries = options.retries ?? 3;
  }

  async run(): Promise<FlashResult> {
    const options = this.options;
    if (this.image.segments.length === 0)
      throw new ImageRangeError('the image holds no data: nothing to flash');
    if (options.timeouts) Object.assign(this.target.timeouts, options.timeouts);
    const previousCancel = this.target.cancel;
    this.target.cancel = options.cancel;
    const started = this.timer.now();
    try {
      const target = await this.phase('connect', () => {
        this.progress('connect', 0, 1);
        return identify(this.target, { ...options, log: this.log });
      });
      this.progress('connect', 1, 1);
      const plan = await this.phase('erase', () => this.erase(target));
      const blocks = new WriteBlocks(this.image, Math.max(4, target.chip.writeAlign), plan.kept);
      const bytesWritten = await this.phase('write', () => this.write(blocks));
      const verifyMethod =
        options.verify === false ? 'none' : await this.phase('verify', () => this.verify(blocks));
      if (options.go !== undefined && options.go !== false) await this.phase('go', () => this.go(target));
      return {
        chip: { pid: target.chip.pid, name: target.chip.name, flashBytes: target.flashBytes },
        bootloaderVersion: target.bootloaderVersion,
        bytesWritten,
        unitsErased: plan.units.length,
        unitsSkipped: plan.skipped.length,
        compareMethod: this.compareMethod,
        verified: verifyMethod !== 'none',
        verifyMethod,
        phases: this.phases,
        totalMs: this.timer.now() - started,
      };
    } finally {
      this.target.cancel = previousCancel;
    }
  }

  /** Plan (skipping units already equal when asked) and erase. */
  private async erase(target: Target): Promise<ErasePlan> {
    const eraseCommand = await this.target.eraseCommand();
    const base = { mass: this.options.eraseAll ?? false, eraseCommand };
    let plan = planErase(target.chip, target.flashBytes, this.image, base);
    if (this.options.skipUnchanged && !this.options.eraseAll) {
      const skip = await this.unitsHoldingImage(target, plan.units);
      plan = planErase(target.chip, target.flashBytes, this.image, { ...base, skip });
    }
    const total = plan.units.length;
    this.progress('erase', 0, total);
    if (plan.mass) {
      await this.retrying(() => this.target.erase('mass'));
      this.progress('erase', total, total);
      return plan;
    }
    let done = 0;
    for (const pages of plan.commands) {
      await this.retrying(() => this.target.erase(pages));
      done += pages.length;
      this.progress('erase', done, total);
    }
    return plan;
  }

  /** The indices of the units that already hold what erase + write would leave there: the image, 0xFF elsewhere. */
  private async unitsHoldingImage(target: Target, units: readonly EraseUnit[]): Promise<Set<number>> {
    const holding = new Set<number>();
    const crcs = await this.unitCrcsInRam(target, units);
    if (crcs) {
      this.compareMethod = 'ram-crc';
      units.forEach((unit, i) => {
        if (crcs[i] === this.image.crc32(unit.address, unit.size)) holding.add(unit.index);
      });
      return holding;
    }
    this.compareMethod = this.target.supports(Command.GetChecksum) ? 'checksum' : 'read-back';
    for (const unit of units) if (await this.unitHoldsImage(unit)) holding.add(unit.index);
    return holding;
  }

  /**
   * The units' CRCs from the page-CRC routine in RAM, when the bootloader lacks Get Checksum, the chip's family has
   * a routine set-up and the chip can be put back in its bootloader. Undefined when not used or when it failed —
   * then the chip is back in its bootloader and the caller reads back instead; a failure is never taken for a CRC.
   */
  private async unitCrcsInRam(target: Target, units: readonly EraseUnit[]): Promise<number[] | undefined> {
    const reenter = this.options.reenterBootloader;
    const chip = findChip(target.chip.pid);
    if (
      units.length === 0 ||
      this.options.ramCrc === false ||
      !reenter ||
      !chip ||
      this.target.supports(Command.GetChecksum) ||
      !pageCrcSupported(chip, this.target.lineBaud)
    ) {
      return undefined;
    }
    const ranges = units.map((unit) => ({ address: unit.address, words: unit.size / 4 }));
    try {
      return await pageCrcs(this.target, chip, ranges, { sync: this.options.sync });
    } catch (error) {
      if (!(error instanceof PageCrcError) && !isRetryable(error)) throw error;
      this.log('warn', `${(error as Error).message}; comparing by read-back instead`);
      await reenter();
      await this.target.resync(this.options.sync);
      return undefined;
    }
  }

  /** Whether the unit already holds what erase + write would leave there: the image, 0xFF elsewhere. */
  private async unitHoldsImage(unit: EraseUnit): Promise<boolean> {
    if (this.target.supports(Command.GetChecksum)) {
      const crc = await this.retrying(() => this.target.getChecksum(unit.address, unit.size / 4));
      return crc === this.image.crc32(unit.address, unit.size);
    }
    for (let offset = 0; offset < unit.size; offset += MAX_TRANSFER) {
      const length = Math.min(MAX_TRANSFER, unit.size - offset);
      const address = unit.address + offset;
      const flash = await this.retrying(() => this.target.readMemory(address, length));
      if (!sameBytes(flash, this.image.read(address, length))) return false;
    }
    return true;
  }

  private async write(blocks: WriteBlocks): Promise<number> {
    const total = blocks.totalBytes();
    let done = 0;
    this.progress('write', 0, total);
    for (const block of blocks) {
      await this.writeBlock(block);
      done += block.data.length;
      this.progress('write', done, total);
    }
    return done;
  }

  /**
   * Write one block, retrying after failures. When the data frame went out but its ACK did not come back, the chip
   * may have programmed the block: read it back first, as flash cannot be programmed twice without an erase.
   */
  private async writeBlock(block: ImageBlock): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.target.writeMemory(block.address, block.data);
        return;
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.retries) throw error;
        await this.recover(error, attempt);
        if (error instanceof NackError || error.step !== 'data') continue;
        const flash = await this.retrying(() => this.target.readMemory(block.address, block.data.length));
        if (sameBytes(flash, block.data)) return;
        if (!flash.every((byte) => byte === 0xff)) {
          throw new WriteError(block.address, block.data.length, 'the block was programmed only in part');
        }
      }
    }
  }

  private async verify(blocks: WriteBlocks): Promise<'checksum' | 'read-back'> {
    const total = blocks.totalBytes();
    let done = 0;
    this.progress('verify', 0, total);
    if (this.target.supports(Command.GetChecksum)) {
      for (const range of blocks.ranges()) {
        const expected = this.image.crc32(range.address, range.length);
        const actual = await this.retrying(() => this.target.getChecksum(range.address, range.length / 4));
        if (actual !== expected) throw new VerifyError(Command.GetChecksum, range.address, expected, actual);
        done += range.length;
        this.progress('verify', done, total);
      }
      return 'checksum';
    }
    for (const block of blocks) {
      await this.verifyBlock(block);
      done += block.data.length;
      this.progress('verify', done, total);
    }
    return 'read-back';
  }

  /** Read a block back; a difference is read once more, so a damaged answer byte is not taken for bad flash. */
  private async verifyBlock(block: ImageBlock): Promise<void> {
    const read = () => this.retrying(() => this.target.readMemory(block.address, block.data.length));
    let flash = await read();
    if (firstDifference(flash, block.data) < 0) return;
    flash = await read();
    const at = firstDifference(flash, block.data);
    if (at >= 0) throw new VerifyError(Command.ReadMemory, block.address + at, block.data[at]!, flash[at]!);
  }

  private async go(target: Target): Promise<void> {
    const chosen = this.options.go;
    const entry = this.image.entry;
    // An ELF/HEX entry is usually the reset handler (odd: Thumb), not a vector table; Go wants a vector table.
    const address =
      typeof chosen === 'number'
        ? chosen
        : entry !== undefined && entry % 4 === 0
          ? entry
          : target.chip.flashBase;
    this.progress('go', 0, 1);
    await this.retrying(() => this.target.go(address));
    this.progress('go', 1, 1);
  }

  /**
   * Run `operation`; after a NACK, a timeout or a damaged answer, try again, at most `retries` more times.
   */
  private async retrying<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.retries) throw error;
        await this.recover(error, attempt);
      }
    }
  }

  /** Log the failure and, unless it was a NACK (the chip then waits for a command), re-sync. */
  private async recover(error: RetryableError, attempt: number): Promise<void> {
    this.log('warn', `${error.message}; trying again (${attempt + 1} of ${this.retries})`);
    if (!(error instanceof NackError)) await this.target.resync(this.options.sync);
  }

  private async phase<T>(name: FlashPhase, work: () => Promise<T>): Promise<T> {
    const started = this.timer.now();
    try {
      return await work();
    } finally {
      this.phases[name] += this.timer.now() - started;
    }
  }

  private progress(phase: FlashPhase, done: number, total: number): void {
    const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
    this.options.onProgress?.({ phase, done, total, percent });
  }
}

type RetryableError = NackError | TimeoutError | ProtocolError;

/** Failures that another try may cure: a refusal, silence, or a damaged answer. */
function isRetryable(error: unknown): error is RetryableError {
  return error instanceof NackError || error instanceof TimeoutError || error instanceof ProtocolError;
}

/** The parts of `block` outside every unit in `units` (whose boundaries are on the write alignment). */
function cutOut(block: ImageBlock, units: readonly EraseUnit[]): ImageBlock[] {
  let pieces: ImageBlock[] = [block];
  for (const unit of units) {
    const unitEnd = unit.address + unit.size;
    const next: ImageBlock[] = [];
    for (const piece of pieces) {
      const end = piece.address + piece.data.length;
      if (end <= unit.address || piece.address >= unitEnd) {
        next.push(piece);
        continue;
      }
      if (piece.address < unit.address) {
        next.push({ address: piece.address, data: piece.data.subarray(0, unit.address - piece.address) });
      }
      if (end > unitEnd) {
        next.push({ address: unitEnd, data: piece.data.subarray(unitEnd - piece.address) });
      }
    }
    pieces = next;
  }
  return pieces;
}

/**
 * The blocks to write: the image in pieces of ≤ 256 bytes on the write alignment, minus the parts in skipped
 * units. Made afresh on each pass (write, verify) from the image, so no copy of the whole image is held here: on
 * the device the image streams from a flash staging area.
 */
class WriteBlocks implements Iterable<ImageBlock> {
  constructor(
    private readonly image: FlashImage,
    private readonly align: number,
    private readonly kept: readonly EraseUnit[],
  ) {}

  *[Symbol.iterator](): Iterator<ImageBlock> {
    for (const block of this.image.writeBlocks(MAX_TRANSFER, this.align)) yield* cutOut(block, this.kept);
  }

  totalBytes(): number {
    let sum = 0;
    for (const block of this) sum += block.data.length;
    return sum;
  }

  /** Contiguous runs of the blocks: one Get Checksum each. */
  *ranges(): Iterable<{ address: number; length: number }> {
    let run: { address: number; length: number } | undefined;
    for (const block of this) {
      if (run && run.address + run.length === block.address) {
        run.length += block.data.length;
        continue;
      }
      if (run) yield run;
      run = { address: block.address, length: block.data.length };
    }
    if (run) yield run;
  }
}

function firstDifference(actual: Uint8Array, expected: Uint8Array): number {
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) return i;
  return actual.length === expected.length ? -1 : expected.length;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && firstDifference(a, b) < 0;
}
