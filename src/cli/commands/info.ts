import { Command } from 'commander';
import type { Log } from '../../io/contracts.js';
import { nodeTimer } from '../../platform/node/timer.js';
import type { Bootloader } from '../../stm32/bootloader.js';
import type { EraseLayout } from '../../stm32/chips.js';
import { findChip } from '../../stm32/chips.js';
import { NackError } from '../../stm32/errors.js';
import type { Target } from '../../stm32/identify.js';
import { identify } from '../../stm32/identify.js';
import { openTargetLink } from '../connect.js';
import { hex32 } from '../options.js';
import { ApiClient } from '../remote/api-client.js';
import type { ServiceStatus } from '../remote/api-types.js';
import type { RemoteHost } from '../remote/host.js';
import { addHostAlternative, requireSerialOrHost } from '../remote/host-option.js';
import { formatStatus } from '../remote/status-report.js';
import { bootloaderSettings, enterBootloader, leaveBootloader } from '../session.js';
import type { TargetOptions } from '../target-options.js';
import { addTargetOptions, logFor } from '../target-options.js';

/** What `airboot info` reports; also its --json shape. */
export interface ChipReport {
  chip: { pid: string; name: string; family: string | null };
  /** Protocol version from Get, e.g. "3.1". */
  bootloaderVersion: string;
  /** Command codes the bootloader lists (AN3155 §3.1), hex. */
  commands: string[];
  flash: { base: string; bytes: number; kib: number; eraseUnits: string };
  /** 96-bit unique device ID, hex of the 12 bytes in address order; null when the part does not let it be read. */
  uniqueId: string | null;
  /** How the target was left: 'reset' (running its application), 'still-in-bootloader'. */
  left: string;
}

/** `airboot info`: identify the chip behind the bootloader. */
export function infoCommand(): Command {
  const command = addTargetOptions(
    new Command('info').description(
      'identify the chip: name, PID, bootloader version, flash size, unique ID; ' +
        'with --host, the status of an airboot service (target, chip, UART, clients, last flash)',
    ),
  );
  return addHostAlternative(command)
    .option(
      '--identify',
      'with --host: have the service identify the chip first (it is reset into its bootloader and back)',
    )
    .action((options: InfoOptions) => runInfo(options));
}

interface InfoOptions extends TargetOptions {
  host?: RemoteHost;
  identify?: boolean;
}

async function runInfo(options: InfoOptions): Promise<void> {
  const host = requireSerialOrHost(options);
  if (host) {
    // The service knows the target; asking it does not disturb the target (no bootloader entry) unless told to.
    const client = new ApiClient(host);
    if (options.identify) await client.post('/api/target/identify');
    const status = await client.get<ServiceStatus>('/api/status');
    process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : formatStatus(status, host.baseUrl));
    return;
  }
  const log = logFor(options);
  const link = await openTargetLink({
    ...options,
    settings: bootloaderSettings(options.baud),
    timer: nodeTimer,
    log,
  });
  try {
    const session = await enterBootloader(link, { baud: options.baud, timer: nodeTimer, log });
    const target = await identify(session.bootloader, { log });
    const uniqueId = await readUniqueId(session.bootloader, target.chip.pid, log);
    const left = await leaveBootloader(session, { wentToApplication: false });
    const report = chipReport(target, session.bootloader.info?.commands ?? [], uniqueId, left);
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  } finally {
    await link.close();
  }
}

/** The 96-bit unique ID (reference manual "Unique device ID register"), or null where reading it is refused. */
async function readUniqueId(bootloader: Bootloader, pid: number, log: Log): Promise<Uint8Array | null> {
  const known = findChip(pid);
  if (!known) return null;
  try {
    return await bootloader.readMemory(known.uniqueIdAddress, 12);
  } catch (error) {
    if (!(error instanceof NackError)) throw error;
    log('debug', `unique ID at ${hex32(known.uniqueIdAddress)} not readable`);
    return null;
  }
}

export function chipReport(
  target: Target,
  commands: readonly number[],
  uniqueId: Uint8Array | null,
  left: string,
): ChipReport {
  const version = target.bootloaderVersion;
  return {
    chip: {
      pid: `0x${target.chip.pid.toString(16).padStart(3, '0')}`,
      name: target.chip.name,
      family: findChip(target.chip.pid)?.family ?? null,
    },
    bootloaderVersion: `${version >> 4}.${version & 0xf}`,
    commands: commands.map((code) => `0x${code.toString(16).padStart(2, '0')}`),
    flash: {
      base: hex32(target.chip.flashBase),
      bytes: target.flashBytes,
      kib: target.flashBytes / 1024,
      eraseUnits: describeLayout(target.chip.eraseLayout),
    },
    uniqueId: uniqueId ? Array.from(uniqueId, (b) => b.toString(16).padStart(2, '0')).join('') : null,
    left,
  };
}

function describeLayout(layout: EraseLayout): string {
  const size = (bytes: number) => (bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);
  if (layout.kind === 'pages') return `pages of ${size(layout.pageSize)}`;
  return `sectors of ${layout.sizes.map(size).join(', ')}…`;
}

function formatReport(report: ChipReport): string {
  const lines = [
    `chip:        ${report.chip.name} (PID ${report.chip.pid})`,
    `bootloader:  v${report.bootloaderVersion}, commands ${report.commands.join(' ')}`,
    `flash:       ${report.flash.kib} KiB at ${report.flash.base}, ${report.flash.eraseUnits}`,
    `unique ID:   ${report.uniqueId ?? 'not readable'}`,
  ];
  if (report.left === 'still-in-bootloader')
    lines.push('note:        the chip is still in its bootloader (no reset line)');
  return `${lines.join('\n')}\n`;
}
