import { Command, InvalidArgumentError } from 'commander';
import { browse, type FoundBridge } from '../../platform/node/mdns.js';

interface DiscoverOptions {
  /** Milliseconds. */
  timeout: number;
  json?: boolean;
}

/** `airboot discover`: list the airboot services that answer on the LAN (mDNS `_airboot._tcp`). */
export function discoverCommand(): Command {
  return new Command('discover')
    .description('list airboot services on the local network (mDNS _airboot._tcp)')
    .option('-t, --timeout <duration>', 'how long to listen: 3s, 1500ms, or seconds', parseDuration, 3000)
    .option('--json', 'print the list as one JSON array on stdout')
    .action(async (options: DiscoverOptions) => {
      const bridges = await browse(options.timeout);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(bridges)}\n`);
        return;
      }
      if (bridges.length === 0) {
        process.stderr.write(
          `no airboot service answered within ${options.timeout / 1000} s ` +
            '(same network? multicast allowed? try --timeout 10s)\n',
        );
        return;
      }
      process.stdout.write(formatBridges(bridges));
    });
}

/** `--timeout`: `3s`, `1500ms`, or a number of seconds; 0.1 s to 10 min. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (match[2] === 'ms' ? 1 : 1000) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 100 || ms > 600_000) {
    throw new InvalidArgumentError(`'${text}' is not a duration from 100ms to 600s (e.g. 3s, 1500ms)`);
  }
  return Math.round(ms);
}

function formatBridges(bridges: readonly FoundBridge[]): string {
  const rows = bridges.map((bridge) => {
    const v4 = bridge.addresses.find((address) => !address.includes(':'));
    const hostArg = `${v4 ?? bridge.host}:${bridge.port}`;
    return [
      bridge.name,
      `${bridge.host}:${bridge.port}`,
      bridge.addresses.join(' '),
      bridge.version ?? '?',
      bridge.chip ?? '-',
      `--host ${hostArg}`,
    ];
  });
  const header = ['NAME', 'HOST', 'ADDRESSES', 'VERSION', 'CHIP', 'USE'];
  const table = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return `${table
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
