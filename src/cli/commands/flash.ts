import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Command } from 'commander';
import { type ImageFormat, parseImage } from '../../image/index.js';
import { CancelledError } from '../../io/errors.js';
import { nodeTimer } from '../../platform/node/timer.js';
import { CancelToken } from '../../stm32/cancel.js';
import type { FlashResult } from '../../stm32/flasher.js';
import { flash } from '../../stm32/flasher.js';
import type { FlashImage } from '../../stm32/image-view.js';
import { openTargetLink } from '../connect.js';
import { describeFailure, UsageError } from '../failure.js';
import { addLayoutOptions, type LayoutOptions, layoutFrom } from '../layout-options.js';
import { hex32, parseAddress } from '../options.js';
import { createProgressDisplay, noProgress } from '../progress.js';
import { flashViaService, type RemoteFlashReport, remoteSummary } from '../remote/flash-remote.js';
import type { RemoteHost } from '../remote/host.js';
import { addHostAlternative, requireSerialOrHost } from '../remote/host-option.js';
import { bootloaderSettings, enterBootloader, leaveBootloader } from '../session.js';
import { onInterrupt } from '../signals.js';
import type { TargetOptions } from '../target-options.js';
import { addTargetOptions, logFor } from '../target-options.js';

interface FlashCommandOptions extends TargetOptions, LayoutOptions {
  address?: number;
  verify: boolean;
  go?: boolean;
  skipUnchanged?: boolean;
  /** `--no-ram-crc`: false. */
  ramCrc?: boolean;
  eraseAll?: boolean;
  unprotect?: boolean;
  /** Flash through a running airboot service instead of --serial. */
  host?: RemoteHost;
}

/** `airboot flash FILE`: check the file, enter the bootloader, erase, write, verify, start the application. */
export function flashCommand(): Command {
  const command = addTargetOptions(
    addLayoutOptions(new Command('flash'))
      .description('write a firmware file (.bin, .hex, .elf, .srec) to the chip and verify it')
      .argument('<file>', 'firmware image; the format is detected from its content')
      .option('-a, --address <address>', 'load address of a raw .bin (default 0x08000000)', parseAddress)
      .option('--verify', 'check the flash afterwards (default)')
      .option('--no-verify', 'skip the check (the result then says verified: false)')
      .option('--go', 'start the firmware with the bootloader Go command afterwards')
      .option('--skip-unchanged', 'leave pages alone that already hold the image')
      .option(
        '--no-ram-crc',
        'with --skip-unchanged on a chip without Get Checksum, read pages back instead of checksumming them with a routine in RAM',
      )
      .option('--erase-all', 'erase the whole flash, not only the pages the image covers')
      .option('--unprotect', 'lift readout protection if it is on (this erases the whole flash)'),
  );
  return addHostAlternative(command).action((file: string, options: FlashCommandOptions) =>
    runFlash(file, options),
  );
}

/** What `--json` prints: the flasher's result plus the file and how the target was left. */
interface FlashReport extends FlashResult {
  ok: true;
  file: string;
  format: string;
  imageBytes: number;
  /** 'go', 'reset' (application started), or 'still-in-bootloader'. */
  left: string;
}

async function runFlash(file: string, options: FlashCommandOptions): Promise<void> {
  try {
    const host = requireSerialOrHost(options);
    const report = host ? await flashRemote(file, host, options) : await flashFile(file, options);
    if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write('host' in report ? remoteSummary(report) : summary(report));
    if (!report.verified)
      process.stderr.write('airboot: warning: the flash was NOT verified (--no-verify)\n');
  } catch (error) {
    if (options.json) {
      const failure = describeFailure(error);
      const result = { ok: false, error: { code: failure.code, message: failure.message } };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
    throw error;
  }
}

/** `--host`: the file is read and parsed here first (a bad file is never sent), then the service flashes it. */
async function flashRemote(
  file: string,
  host: RemoteHost,
  options: FlashCommandOptions,
): Promise<RemoteFlashReport> {
  if (options.unprotect) {
    throw new UsageError(
      '--unprotect is not available with --host',
      'run it on the machine next to the board',
    );
  }
  const { image, format, bytes } = await loadImage(file, options.address);
  const imageBytes = image.segments.reduce((sum, segment) => sum + segment.data.length, 0);
  if (!options.json) process.stderr.write(`${file}: ${FORMAT_NAMES[format]}, ${describeImage(image)}\n`);
  return flashViaService(
    host,
    { file, bytes, format, imageBytes },
    {
      address: options.address,
      verify: options.verify !== false,
      go: options.go === true,
      skipUnchanged: options.skipUnchanged === true,
      ramCrc: options.ramCrc !== false,
      eraseAll: options.eraseAll === true,
    },
    options.json ? noProgress : createProgressDisplay(),
  );
}

async function flashFile(file: string, options: FlashCommandOptions): Promise<FlashReport> {
  const log = logFor(options);
  // The file first: a file that cannot be used must never reach the chip (reference: "A trap to never copy").
  const { image, format } = await loadImage(file, options.address);
  const layout = layoutFrom(options);
  const imageBytes = image.segments.reduce((sum, segment) => sum + segment.data.length, 0);
  if (!options.json) process.stderr.write(`${file}: ${FORMAT_NAMES[format]}, ${describeImage(image)}\n`);

  const cancel = new CancelToken();
  const stopListening = onInterrupt(() => cancel.cancel(new CancelledError('flash')));
  try {
    const link = await openTargetLink({
      ...options,
      settings: bootloaderSettings(options.baud),
      timer: nodeTimer,
      log,
    });
    try {
      const session = await enterBootloader(link, { baud: options.baud, timer: nodeTimer, log, cancel });
      const progress = options.json ? noProgress : createProgressDisplay();
      let result: FlashResult;
      try {
        result = await flash(session.bootloader, image, {
          verify: options.verify !== false,
          go: options.go ? (options.address ?? true) : undefined,
          skipUnchanged: options.skipUnchanged === true,
          ramCrc: options.ramCrc !== false,
          reenterBootloader: session.reenter,
          eraseAll: options.eraseAll === true,
          unprotect: options.unprotect === true,
          layout,
          onProgress: (event) => progress.update(event),
          cancel,
          log,
        });
      } finally {
        progress.finish();
      }
      const left = await leaveBootloader(session, { wentToApplication: options.go === true });
      return { ok: true, file, format, imageBytes, ...result, left };
    } finally {
      await link.close();
    }
  } finally {
    stopListening();
  }
}

/** Read and parse the file; any problem is a UsageError or the image module's ImageError (exit 2). */
async function loadImage(
  file: string,
  address: number | undefined,
): Promise<{ image: FlashImage; format: ImageFormat; bytes: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      code === 'ENOENT' ? 'check the path' : undefined,
    );
  }
  const parsed = parseImage(bytes, { name: path.basename(file), baseAddress: address });
  if (address !== undefined && parsed.format !== 'bin') {
    throw new UsageError(
      `--address applies to raw binaries; ${file} is ${FORMAT_NAMES[parsed.format]} and carries its own addresses`,
      'drop --address (or relink the firmware for the address you want)',
    );
  }
  return { image: parsed.image, format: parsed.format, bytes };
}

/** How the formats are called in messages. */
const FORMAT_NAMES: Record<ImageFormat, string> = {
  ihex: 'Intel HEX',
  srec: 'Motorola S-record',
  elf: 'ELF',
  bin: 'raw binary',
};

function describeImage(image: FlashImage): string {
  const segments = image.segments;
  if (segments.length === 0) return 'empty';
  const bytes = segments.reduce((sum, segment) => sum + segment.data.length, 0);
  const first = segments[0]!.address;
  const last = segments[segments.length - 1]!;
  const end = last.address + last.data.length - 1;
  const parts = segments.length === 1 ? '' : ` in ${segments.length} segments`;
  return `${formatBytes(bytes)}${parts}, ${hex32(first)}–${hex32(end)}`;
}

function summary(report: FlashReport): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const phases = Object.entries(report.phases)
    .filter(([, ms]) => ms > 0)
    .map(([phase, ms]) => `${phase} ${seconds(ms)}`)
    .join(', ');
  const verified = report.verified ? `verified (${report.verifyMethod})` : 'NOT verified';
  const skipped =
    report.compareMethod === 'none'
      ? ''
      : `, ${report.unitsSkipped} unchanged skipped (compared by ${report.compareMethod})`;
  const lines = [
    `${report.chip.name}: wrote ${formatBytes(report.bytesWritten)}, erased ${report.unitsErased} unit(s)${skipped}, ` +
      `${verified} in ${seconds(report.totalMs)} (${phases})`,
  ];
  if (report.left === 'still-in-bootloader') {
    lines.push('note: the chip is still in its bootloader; set BOOT0 low and reset it, or use --go');
  } else {
    lines.push(report.left === 'go' ? 'started the application (Go)' : 'reset the chip into its application');
  }
  return `${lines.join('\n')}\n`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}
