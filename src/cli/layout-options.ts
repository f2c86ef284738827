import { type Command, InvalidArgumentError } from 'commander';
import type { FlashLayout } from '../stm32/identify.js';
import { UsageError } from './failure.js';

/** `--flash-size`, `--page-size`, `--sectors`: the flash of a part the chip database does not know. */
export interface LayoutOptions {
  flashSize?: number;
  pageSize?: number;
  sectors?: number[];
}

/** `2048`, `2K`, `128k`, `1M` → bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+)\s*([kKmM]?)(i?[bB])?$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`'${text}' is not a size (e.g. 2048, 2K, 1M)`);
  const unit = match[2]!.toUpperCase() === 'K' ? 1024 : match[2]!.toUpperCase() === 'M' ? 1024 * 1024 : 1;
  const bytes = Number(match[1]) * unit;
  if (bytes <= 0 || bytes % 4 !== 0)
    throw new InvalidArgumentError(`'${text}' must be a positive multiple of 4 bytes`);
  return bytes;
}

export function addLayoutOptions(command: Command): Command {
  return command
    .option(
      '--flash-size <size>',
      'flash size of a part airboot does not know (e.g. 128K); needs --page-size or --sectors',
      parseSize,
    )
    .option('--page-size <size>', 'erase page size of that part (e.g. 2K)', parseSize)
    .option(
      '--sectors <sizes>',
      'erase sector sizes in order, the last repeating (e.g. 16K,16K,16K,16K,64K,128K)',
      (text) => text.split(',').map(parseSize),
    );
}

/**
 * The explicit layout, or undefined when none was given. Used only when the chip's product ID is not in the
 * database (UnknownChipError names these options).
 */
export function layoutFrom(options: LayoutOptions): FlashLayout | undefined {
  const given = [options.flashSize, options.pageSize, options.sectors].filter(
    (value) => value !== undefined,
  ).length;
  if (given === 0) return undefined;
  if (
    options.flashSize === undefined ||
    (options.pageSize === undefined) === (options.sectors === undefined)
  ) {
    throw new UsageError(
      'an explicit flash layout needs --flash-size and exactly one of --page-size or --sectors',
      'e.g. --flash-size 128K --page-size 2K',
    );
  }
  return {
    flashBytes: options.flashSize,
    eraseLayout:
      options.pageSize !== undefined
        ? { kind: 'pages', pageSize: options.pageSize }
        : { kind: 'sectors', sizes: options.sectors! },
  };
}
