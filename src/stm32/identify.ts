/**
 * Connect to a bootloader and find out what chip is behind it: sync, Get (version and commands), Get ID (product
 * ID → chip database), and the flash-size register. The order and the commands are the least that tells all of it
 * (Get also carries the version, so Get Version is not sent).
 */
import type { Log } from '../io/contracts.js';
import type { Bootloader, SyncOptions } from './bootloader.js';
import type { ChipInfo, EraseLayout } from './chips.js';
import { FLASH_BASE, findChip, UnknownChipError } from './chips.js';
import { NackError, ProtocolError, ReadoutProtectedError, TimeoutError } from './errors.js';

/** Times Get, Get ID and the flash-size read are tried again after a late or damaged answer (as the flasher's blocks). */
const RETRIES = 2;

/** The flash of a part the chip database does not know, given by the user. */
export interface FlashLayout {
  /** Flash size, bytes. */
  flashBytes: number;
  eraseLayout: EraseLayout;
  /** Writes start and end on multiples of this many bytes. Default 8 (enough for every family but H7's 32). */
  writeAlign?: number;
  /** Default 0x08000000. */
  flashBase?: number;
  /** Whether the bootloader accepts a global erase. Default true. */
  massErase?: boolean;
  name?: string;
}

/** What the flasher needs to know about the chip; a ChipInfo or a chip made from a FlashLayout. */
export type TargetChip = Pick<
  ChipInfo,
  'pid' | 'name' | 'flashBase' | 'flashMaxBytes' | 'eraseLayout' | 'eraseCommand' | 'massErase' | 'writeAlign'
> & {
  /** Address of the 16-bit flash size in KiB; absent for a user-given layout. */
  readonly flashSizeRegister?: number | undefined;
};

export interface Target {
  chip: TargetChip;
  /** Actual flash size of this part, bytes. */
  flashBytes: number;
  /** Bootloader protocol version from Get, e.g. 0x31. */
  bootloaderVersion: number;
  /** Whether readout protection was found and lifted (which erased the flash). */
  unprotected: boolean;
}

export interface IdentifyOptions {
  /** Lift readout protection (Readout Unprotect, which mass-erases) when reads are refused. */
  unprotect?: boolean;
  /** The flash of a part whose PID the database lacks. */
  layout?: FlashLayout;
  sync?: SyncOptions;
  log?: Log;
}

/** Sync, Get, Get ID and read the flash size (AN3155 §2, §3.1, §3.3, §3.4). */
export async function identify(target: Bootloader, options: IdentifyOptions = {}): Promise<Target> {
  await target.sync(options.sync);
  const reply = await again(target, options, 'Get', () => target.get());
  const pid = await again(target, options, 'Get ID', () => target.getId());
  const eraseCommand = await target.eraseCommand();
  const chip = findChip(pid) ?? chipFromLayout(pid, eraseCommand, options.layout);
  let unprotected = false;
  let flashBytes: number;
  const flashSize = () =>
    again(target, options, 'flash size', () => readFlashSize(target, chip, options.log));
  try {
    flashBytes = await flashSize();
  } catch (error) {
    if (!(error instanceof ReadoutProtectedError) || !options.unprotect) throw error;
    options.log?.('warn', 'readout protection is on: Readout Unprotect (this erases the whole flash)');
    await target.readoutUnprotect();
    unprotected = true;
    flashBytes = await flashSize();
  }
  return { chip, flashBytes, bootloaderVersion: reply.version, unprotected };
}

/**
 * A late answer (a UART that dropped a byte, a busy link) or a damaged one gets a re-sync and another try, as the
 * flasher's blocks do; a NACK is an answer and is not retried. What fails every try throws its own error.
 */
async function again<T>(
  target: Bootloader,
  options: IdentifyOptions,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof TimeoutError || error instanceof ProtocolError) || attempt >= RETRIES)
        throw error;
      options.log?.('warn', `${what}: ${error.message}; trying again (${attempt + 1} of ${RETRIES})`);
      await target.resync(options.sync);
    }
  }
}

/**
 * The flash-size register (16-bit, KiB, little-endian). A refused read means readout protection when flash itself
 * cannot be read either (RDP level 1 refuses every Read Memory); if flash reads, the register just is not readable
 * on this part and the database's maximum is used.
 */
async function readFlashSize(target: Bootloader, chip: TargetChip, log?: Log): Promise<number> {
  const register = chip.flashSizeRegister;
  if (register === undefined) return chip.flashMaxBytes;
  let bytes: Uint8Array;
  try {
    bytes = await target.readMemory(register, 2);
  } catch (error) {
    if (!(error instanceof NackError)) throw error;
    await probeFlashRead(target, chip);
    log?.('info', `flash-size register not readable; assuming ${chip.flashMaxBytes / 1024} KiB`);
    return chip.flashMaxBytes;
  }
  const kib = bytes[0]! | (bytes[1]! << 8);
  if (kib === 0 || kib === 0xffff || kib * 1024 > chip.flashMaxBytes) {
    log?.(
      'warn',
      `flash-size register says ${kib} KiB; using the ${chip.flashMaxBytes / 1024} KiB of ${chip.name}`,
    );
    return chip.flashMaxBytes;
  }
  return kib * 1024;
}

async function probeFlashRead(target: Bootloader, chip: TargetChip): Promise<void> {
  try {
    await target.readMemory(chip.flashBase, 4);
  } catch (error) {
    if (error instanceof NackError) throw new ReadoutProtectedError(chip.flashBase);
    throw error;
  }
}

function chipFromLayout(pid: number, eraseCommand: 0x43 | 0x44, layout: FlashLayout | undefined): TargetChip {
  if (!layout) throw new UnknownChipError(pid);
  return Object.freeze({
    pid,
    name: layout.name ?? `STM32 with PID 0x${pid.toString(16).padStart(3, '0')}`,
    flashBase: layout.flashBase ?? FLASH_BASE,
    flashMaxBytes: layout.flashBytes,
    eraseLayout: layout.eraseLayout,
    eraseCommand,
    massErase: layout.massErase ?? true,
    writeAlign: layout.writeAlign ?? 8,
  });
}
