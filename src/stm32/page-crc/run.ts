/**
 * Checksum flash ranges on the chip itself: write the page-CRC routine into RAM (Write Memory, AN3155 §3.6), start
 * it (Go, §3.5), read the CRCs it sends, and sync with the bootloader it resets back into. For a bootloader without
 * Get Checksum (protocol < 3.3) this replaces reading the flash back: 4 bytes a page instead of the page.
 *
 * It fails with PageCrcError when anything does not go as the routine promises — no answer, a damaged one, no
 * bootloader afterwards. The chip may then be anywhere (running the routine, reset, silent): the caller must put it
 * back in its bootloader with its reset line before doing anything else.
 */
import { sleep } from '../../io/contracts.js';
import { AirbootError } from '../../io/errors.js';
import type { Bootloader, SyncOptions } from '../bootloader.js';
import type { ChipInfo } from '../chips.js';
import { MAX_TRANSFER } from '../commands.js';
import { ANSWER_MAGIC, type CrcRange, imageBytes, MAX_RANGES, routineImage } from './routine.js';
import { type RoutineSetup, routineSetup } from './setup.js';

/** Cycles the routine takes per 32-bit word, rounded up (page-crc.s: about 7 a bit). */
const CYCLES_PER_WORD = 260;
/** Allowance on every wait: the model of the chip's speed is a guess, and the line has its own delays. */
const MARGIN_MS = 100;
/** Parameter-block bytes a range takes (address, words). */
const RANGE_BYTES = 8;
/** Allowance on the bootloader's start-up time after the routine's reset, ms (the sync retries cover any more). */
const STARTUP_MARGIN_MS = 20;

export class PageCrcError extends AirbootError {
  constructor(
    message: string,
    /** What came back, when something did. */
    readonly received?: Uint8Array,
  ) {
    super('PAGE_CRC', `the page-CRC routine in RAM: ${message}`);
  }
}

export interface PageCrcOptions {
  sync?: SyncOptions;
}

/** Whether the routine can run on this chip at this baud (a known family with registers written down). */
export function pageCrcSupported(chip: ChipInfo | undefined, baud: number): boolean {
  return chip !== undefined && routineSetup(chip.family, baud) !== undefined;
}

/** The CRC (STM32 CRC unit's, src/image/crc32.ts) of each range, in order. */
export async function pageCrcs(
  target: Bootloader,
  chip: ChipInfo,
  ranges: readonly CrcRange[],
  options: PageCrcOptions = {},
): Promise<number[]> {
  const setup = routineSetup(chip.family, target.lineBaud);
  if (!setup) throw new PageCrcError(`no register set-up for the ${chip.family} family`);
  // As many ranges a run as the parameter block holds and the RAM the family leaves free takes.
  const perRun = Math.min(MAX_RANGES, Math.floor((setup.ramBytes - imageBytes(0)) / RANGE_BYTES));
  if (perRun < 1) throw new PageCrcError(`the routine does not fit in ${setup.ramBytes} bytes of RAM`);
  const crcs: number[] = [];
  for (let start = 0; start < ranges.length; start += perRun) {
    crcs.push(...(await runOnce(target, chip, setup, ranges.slice(start, start + perRun), options)));
  }
  return crcs;
}

async function runOnce(
  target: Bootloader,
  chip: ChipInfo,
  setup: RoutineSetup,
  ranges: readonly CrcRange[],
  options: PageCrcOptions,
): Promise<number[]> {
  const image = routineImage(chip.ramStart, { init: setup.init, usart: setup.usart, ranges });
  for (let offset = 0; offset < image.length; offset += MAX_TRANSFER) {
    await target.writeMemory(chip.ramStart + offset, image.subarray(offset, offset + MAX_TRANSFER));
  }
  await target.go(chip.ramStart);

  const byteMs = (11 * 1000) / target.lineBaud;
  const computeMs = (words: number) => (2 * words * CYCLES_PER_WORD * 1000) / setup.cpuHz;
  const head = await receive(target, ANSWER_MAGIC.length + 1, 3 * byteMs + MARGIN_MS, 'its first bytes');
  if (head[0] !== ANSWER_MAGIC[0] || head[1] !== ANSWER_MAGIC[1] || head[2] !== ranges.length) {
    throw new PageCrcError(
      `the answer starts ${hexBytes(head)}, not a5 5a ${hexBytes([ranges.length])}`,
      head,
    );
  }
  let xor = head[2]!;
  const crcs: number[] = [];
  for (const range of ranges) {
    const bytes = await receive(
      target,
      4,
      computeMs(range.words) + 4 * byteMs + MARGIN_MS,
      `CRC ${crcs.length + 1}`,
    );
    for (const byte of bytes) xor ^= byte;
    crcs.push((bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0);
  }
  const check = (await receive(target, 1, byteMs + MARGIN_MS, 'its check byte'))[0]!;
  if (check !== xor) {
    throw new PageCrcError(
      `the check byte is ${hexBytes([check])}, the answer adds up to ${hexBytes([xor])}`,
    );
  }
  // The routine resets the chip through AIRCR once the last byte has left; BOOT0 is still high, so the bootloader
  // starts again and ignores what arrives before it listens (AN2606 start-up). A 0x7F sent into that start-up would
  // cost a whole sync interval (500 ms), so wait it out first.
  await sleep(target.timer, chip.timing.bootloaderStartMs + STARTUP_MARGIN_MS);
  try {
    await target.resync(options.sync);
  } catch (error) {
    throw new PageCrcError(
      `the bootloader did not come back after the routine's reset: ${(error as Error).message}`,
    );
  }
  return crcs;
}

async function receive(
  target: Bootloader,
  count: number,
  timeoutMs: number,
  what: string,
): Promise<Uint8Array> {
  try {
    return await target.channel.readExactly(count, Math.ceil(timeoutMs));
  } catch (error) {
    const received = (error as { received?: Uint8Array }).received;
    throw new PageCrcError(
      `waited ${Math.ceil(timeoutMs)} ms for ${what}: ${(error as Error).message}`,
      received,
    );
  }
}

function hexBytes(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}
