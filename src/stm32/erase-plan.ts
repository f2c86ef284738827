/**
 * Which erase units a flash job must erase, and as which erase commands. Only the pages or sectors the image
 * touches are erased (as stm32flash does), unless a mass erase is asked for; pages already holding what the image
 * puts there can be skipped.
 */
import { MAX_ERASE_PAGES_0x43, MAX_ERASE_PAGES_0x44 } from './bootloader.js';
import type { ChipInfo, EraseUnit } from './chips.js';
import { eraseUnits } from './chips.js';
import { ImageRangeError } from './errors.js';
import type { FlashImage } from './image-view.js';

export interface ErasePlanOptions {
  /** Erase the whole flash. A mass erase where the chip has one, otherwise every page listed. */
  mass?: boolean;
  /** Indices of units the image covers but that already hold the right bytes: not erased. */
  skip?: ReadonlySet<number>;
  /** The erase command the bootloader listed in Get; decides the page-list limit. Default the chip's. */
  eraseCommand?: 0x43 | 0x44;
}

export interface ErasePlan {
  /** Units that will be erased, in address order. */
  units: EraseUnit[];
  /** Page lists, one per erase command: ≤ 255 pages for Erase (0x43), ≤ 512 for Extended Erase (0x44). Empty for a mass erase. */
  commands: number[][];
  /** One global erase instead of page lists (AN3155 §3.7 `0xFF 0x00`, §3.8 `0xFFFF`). */
  mass: boolean;
  /** Units the image covers that are left as they are. */
  skipped: EraseUnit[];
  /**
   * Every unit between the image's first and last byte that this job does not erase (skipped ones included). No
   * write may reach into them: a write block that bridges a gap in the image would otherwise program 0xFF over
   * old content there, which real flash refuses (F1 PGERR, G0/L4 PROGERR) or leaves different from the image.
   */
  kept: EraseUnit[];
}

/**
 * Plan the erase of `image` on `chip` whose flash has `flashBytes` bytes (from its flash-size register). Throws
 * ImageRangeError, naming the address and the flash range, when any image byte lies outside the flash.
 */
export function planErase(
  chip: Pick<ChipInfo, 'name' | 'flashBase' | 'eraseLayout' | 'eraseCommand' | 'massErase'>,
  flashBytes: number,
  image: Pick<FlashImage, 'segments' | 'overlaps'>,
  options: ErasePlanOptions = {},
): ErasePlan {
  checkRange(chip, flashBytes, image);
  const all = eraseUnits(chip.eraseLayout, flashBytes, chip.flashBase);
  if (options.mass && chip.massErase) return { units: all, commands: [], mass: true, skipped: [], kept: [] };
  // A full erase wipes every unit anyway: nothing is skipped.
  const skip = options.mass ? new Set<number>() : (options.skip ?? new Set<number>());
  const wanted = options.mass ? all : all.filter((unit) => image.overlaps(unit.address, unit.size));
  const units = wanted.filter((unit) => !skip.has(unit.index));
  const skipped = wanted.filter((unit) => skip.has(unit.index));
  const limit =
    (options.eraseCommand ?? chip.eraseCommand) === 0x43 ? MAX_ERASE_PAGES_0x43 : MAX_ERASE_PAGES_0x44;
  const commands: number[][] = [];
  for (let first = 0; first < units.length; first += limit) {
    commands.push(units.slice(first, first + limit).map((unit) => unit.index));
  }
  const erased = new Set(units.map((unit) => unit.index));
  const first = image.segments[0];
  const last = image.segments[image.segments.length - 1];
  const spanStart = first?.address ?? 0;
  const spanEnd = last ? last.address + last.data.length : 0;
  const kept = all.filter(
    (unit) => !erased.has(unit.index) && unit.address < spanEnd && unit.address + unit.size > spanStart,
  );
  return { units, commands, mass: false, skipped, kept };
}

function checkRange(
  chip: Pick<ChipInfo, 'name' | 'flashBase'>,
  flashBytes: number,
  image: Pick<FlashImage, 'segments'>,
): void {
  const start = chip.flashBase;
  const end = chip.flashBase + flashBytes;
  for (const segment of image.segments) {
    const segmentEnd = segment.address + segment.data.length;
    if (segment.address >= start && segmentEnd <= end) continue;
    const outside = segment.address < start ? segment.address : Math.max(segment.address, end);
    throw new ImageRangeError(
      `the image has data at 0x${hex32(outside)}, outside the flash of ${chip.name} ` +
        `(0x${hex32(start)}–0x${hex32(end - 1)}, ${flashBytes / 1024} KiB); ` +
        'link it for this chip or choose the right part',
      { imageAddress: outside, flashStart: start, flashEnd: end },
    );
  }
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
