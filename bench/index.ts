/**
 * `npm run bench`: airboot's speed over a modelled WiFi link (bench/wifi-link.ts), in one run.
 *
 * - flash: 64 KiB into a simulated STM32F103C8 at 115200 8E1 (real-time simulation: wire, programming and erase
 *   times) at each RTT, by three paths — device (upload to the service, flashed next to the chip),
 *   host-over-bridge (airboot's AN3155 master across the raw bridge), stm32flash (socat pty → raw bridge) — next
 *   to the protocol floor (bench/floor.ts) and, for the bridge paths, the link model's prediction
 *   floor + round trips × RTT (round trips counted by the link itself).
 * - reflash: 1 KiB changed, flashed again with skip-unchanged off, then (another 1 KiB changed) on.
 * - bridge: raw bridge throughput, lost bytes and added latency at 115200, 921600 and 2000000 baud, 1 and 4 clients.
 *
 * Writes bench/results/bench.md, bench.svg and bench.json; prints the Markdown, or with --json exactly one JSON
 * object. Progress goes to stderr.
 *
 *   npm run bench -- [--json] [--only flash,reflash,bridge] [--rtt 0,5,20,50]
 *                    [--paths device,host-over-bridge,stm32flash] [--kib 64] [--bridge-seconds 2]
 *                    [--bandwidth 500000]
 *   npm run bench -- --render bench/results/bench.json   (tables and chart again from a saved run)
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelByName } from '../src/stm32/chips.js';
import { measureBridge } from './bridge-load.js';
import {
  BOOTLOADER_8E1,
  type FlashPath,
  flashHostOverBridge,
  flashOnDevice,
  flashWithStm32flash,
  type LinkModel,
  type PathRun,
  stm32flashMissing,
} from './flash-paths.js';
import { protocolFloor } from './floor.js';
import { type BenchResults, type FlashRow, markdown, svgChart } from './report.js';
import { startRig } from './rig.js';

const MODEL = 'F103C8';
/** A simulated chip whose bootloader offers Get Checksum (0xA1). */
const CHECKSUM_MODEL = 'G431KB';
const SECTIONS = ['flash', 'reflash', 'bridge'] as const;
const PATHS: readonly FlashPath[] = ['device', 'host-over-bridge', 'stm32flash'];

interface Options {
  json: boolean;
  only: Set<string>;
  rtts: number[];
  paths: FlashPath[];
  imageBytes: number;
  bridgeSeconds: number;
  bandwidth: number;
}

function parseArgs(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const list = (name: string, fallback: readonly string[]) =>
    (value(name)?.split(',') ?? [...fallback]).filter(Boolean);
  const options: Options = {
    json: argv.includes('--json'),
    only: new Set(list('--only', SECTIONS)),
    rtts: list('--rtt', ['0', '5', '20', '50']).map(Number),
    paths: list('--paths', PATHS) as FlashPath[],
    imageBytes: Number(value('--kib') ?? 64) * 1024,
    bridgeSeconds: Number(value('--bridge-seconds') ?? 2),
    bandwidth: Number(value('--bandwidth') ?? 500_000),
  };
  for (const s of options.only)
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section ${s}`);
  for (const p of options.paths) if (!PATHS.includes(p)) throw new Error(`--paths: unknown path ${p}`);
  if (options.rtts.some((r) => !(r >= 0))) throw new Error('--rtt: give milliseconds, e.g. 0,20');
  if (!(options.imageBytes > 0 && options.imageBytes % 1024 === 0))
    throw new Error('--kib: a whole number of KiB');
  return options;
}

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const saved = process.argv.indexOf('--render');
  if (saved >= 0) {
    // Re-render the tables and chart of a saved bench.json without measuring again.
    write(JSON.parse(readFileSync(process.argv[saved + 1]!, 'utf8')) as BenchResults, options);
    return;
  }
  const model = modelByName(MODEL)!;
  const floor = protocolFloor(model, options.imageBytes, BOOTLOADER_8E1);
  const results: BenchResults = {
    machine: {
      cpus: cpus().length,
      cpu: cpuModel(),
      node: process.version,
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      // Other work on the host slows the real-time simulation down: say how busy it was, start and end.
      loadAverageAtStart: loadavg()[0]!,
    },
    setup: {
      chip: model.name,
      imageKiB: options.imageBytes / 1024,
      uart: '115200 8E1',
      bandwidthBytesPerSecond: options.bandwidth,
      bridgeSeconds: options.bridgeSeconds,
      floor: {
        seconds: round(floor.seconds),
        wireSeconds: round(floor.wireSeconds),
        programSeconds: round(floor.programSeconds),
        eraseSeconds: round(floor.eraseSeconds),
        byteTimes: floor.byteTimes,
      },
    },
    flash: [],
    skipped: [],
    bridge: [],
  };

  if (options.only.has('flash')) {
    // The same job with nothing in between (bench/flash.ts: airboot's flasher on the simulated chip's UART, no
    // service, no network) at the same moment: how much of any ratio above 1 this host's load causes.
    progress('flash direct (npm run bench:flash, no service, no network)');
    results.direct = directFlash();
    progress(`  ${results.direct.seconds} s (×${results.direct.ratio})`);
  }
  if (options.only.has('flash') || options.only.has('reflash')) {
    const rig = await startRig({ model: MODEL });
    try {
      await new Promise((r) => setTimeout(r, 100)); // the simulated chip powers up and starts its application
      if (options.only.has('flash')) await flashSection(rig, options, floor.seconds, results);
      if (options.only.has('reflash')) results.reflash = await reflashSection(rig, options);
    } finally {
      rig.close();
    }
  }
  if (options.only.has('reflash')) {
    // The F103's bootloader (protocol 2.2) has no Get Checksum, so skip-unchanged must read every page back to
    // compare it; a chip whose bootloader has it (the simulator gives the G4 protocol 3.3) shows the other case.
    const rig = await startRig({ model: CHECKSUM_MODEL });
    try {
      await new Promise((r) => setTimeout(r, 100));
      results.reflashWithChecksum = { chip: CHECKSUM_MODEL, ...(await reflashSection(rig, options)) };
    } finally {
      rig.close();
    }
  }
  if (options.only.has('bridge')) {
    for (const baud of [115200, 921600, 2000000])
      for (const clients of [1, 4]) {
        progress(`bridge ${baud} baud, ${clients} client(s), ${options.bridgeSeconds} s`);
        const r = await measureBridge(baud, clients, options.bridgeSeconds);
        results.bridge.push({
          baud,
          clients,
          bytes: r.bytes,
          lost: r.lost,
          p50Ms: round(r.p50Ms),
          p99Ms: round(r.p99Ms),
          bytesPerSecond: r.bytesPerSecond,
          lineRatePercent: r.lineRatePercent,
        });
      }
  }

  write(results, options);
}

/**
 * Derived figures, from the measurements alone: for the bridge paths the model's prediction anchored at the
 * path's own RTT-0 time (its RTT-0 overhead included) and how much of the modelled per-RTT cost appeared; and
 * whether each of the issue's targets was met.
 */
function summarize(results: BenchResults): void {
  for (const row of results.flash) {
    if (row.path === 'device') continue;
    const base = results.flash.find((r) => r.path === row.path && r.rttMs === 0);
    if (!base || row.rttMs === 0) continue;
    row.modelFromRtt0Seconds = round(base.seconds + (row.turns * row.rttMs) / 1000);
    // 1.0 = every modelled round trip cost exactly one RTT more than at RTT 0.
    row.growthVsModel = round((row.seconds - base.seconds) / ((row.turns * row.rttMs) / 1000));
  }
  const device = results.flash.filter((r) => r.path === 'device' && r.rttMs <= 50);
  // Least-squares slope of measured seconds against the modelled extra (trips × RTT) over every RTT of a path:
  // 1.0 = each round trip cost exactly one RTT. Robust to one noisy point, unlike a single row's growth.
  const slopes: Record<string, number> = {};
  for (const which of ['host-over-bridge', 'stm32flash']) {
    const rows = results.flash.filter((r) => r.path === which);
    if (new Set(rows.map((r) => r.rttMs)).size < 2) continue;
    const xs = rows.map((r) => (r.turns * r.rttMs) / 1000);
    const ys = rows.map((r) => r.seconds);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const sxy = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0);
    const sxx = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
    slopes[which] = round(sxy / sxx);
  }
  const slopeValues = Object.values(slopes);
  const fast = results.bridge.filter((r) => r.baud === 2000000);
  results.targets = {
    deviceWithin1_05xFloor: device.length > 0 ? device.every((r) => r.ratio <= 1.05) : null,
    deviceWorstRatio: device.length > 0 ? Math.max(...device.map((r) => r.ratio)) : null,
    bridgePathsGrowAsModelled:
      slopeValues.length > 0 ? slopeValues.every((v) => Math.abs(v - 1) <= 0.1) : null,
    ...Object.fromEntries(Object.entries(slopes).map(([k, v]) => [`${k}SecondsPerModelledSecond`, v])),
    skipUnchangedAtMost0_15: results.reflash ? results.reflash.ratio <= 0.15 : null,
    noLossAt2000000: fast.length > 0 ? fast.every((r) => r.lost === 0) : null,
  };
}

function write(results: BenchResults, options: Options): void {
  results.machine.loadAverageAtEnd ??= loadavg()[0]!;
  summarize(results);
  const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/results');
  mkdirSync(out, { recursive: true });
  const table = markdown(results);
  writeFileSync(path.join(out, 'bench.md'), `${table}\n`);
  writeFileSync(path.join(out, 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (results.flash.length > 0)
    writeFileSync(path.join(out, 'bench.svg'), svgChart(results.flash, Number(results.setup.imageKiB)));
  progress(
    `wrote ${path.relative(process.cwd(), out)}/bench.{md,json${results.flash.length > 0 ? ',svg' : ''}}`,
  );
  if (options.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else process.stdout.write(`${table}\n`);
}

async function flashSection(
  rig: Awaited<ReturnType<typeof startRig>>,
  options: Options,
  floorSeconds: number,
  results: BenchResults,
): Promise<void> {
  const missing = options.paths.includes('stm32flash') ? stm32flashMissing() : undefined;
  if (missing) {
    results.skipped.push(`stm32flash: ${missing}`);
    progress(`skipping stm32flash: ${missing}`);
  }
  for (const rttMs of options.rtts) {
    const link: LinkModel = { rttMs, bandwidthBytesPerSecond: options.bandwidth };
    for (const which of options.paths) {
      if (which === 'stm32flash' && missing) continue;
      const image = new Uint8Array(randomBytes(options.imageBytes));
      progress(`flash ${which} at RTT ${rttMs} ms`);
      const run: PathRun =
        which === 'device'
          ? await flashOnDevice(rig, image, link)
          : which === 'host-over-bridge'
            ? await flashHostOverBridge(rig, image, link)
            : await flashWithStm32flash(rig, image, link);
      const row: FlashRow = {
        path: which,
        rttMs,
        seconds: round(run.seconds),
        floorSeconds: round(floorSeconds),
        ratio: round(run.seconds / floorSeconds),
        turns: run.link.turns,
        detail: run.detail,
      };
      // The model for a half-duplex client across the link: every request/answer turn waits one RTT more.
      if (which !== 'device') row.expectedSeconds = round(floorSeconds + (run.link.turns * rttMs) / 1000);
      results.flash.push(row);
      progress(
        `  ${row.seconds} s ${run.detail ? JSON.stringify(run.detail) : ''} (floor ${row.floorSeconds} s, ×${row.ratio}${row.expectedSeconds === undefined ? '' : `, model ${row.expectedSeconds} s`}, ${row.turns} round trips)`,
      );
    }
  }
}

/** Re-flash after changing 1 KiB: skip-unchanged off, then on (device path, RTT 0). */
async function reflashSection(rig: Awaited<ReturnType<typeof startRig>>, options: Options) {
  const link: LinkModel = { rttMs: 0, bandwidthBytesPerSecond: options.bandwidth };
  const base = new Uint8Array(randomBytes(options.imageBytes));
  progress(`reflash on ${rig.chip!.model.name}: flashing the base image`);
  await flashOnDevice(rig, base, link);
  const change = (image: Uint8Array, offset: number) => {
    const next = image.slice();
    next.set(randomBytes(1024), offset % image.length);
    return next;
  };
  // 1 KiB on a page boundary (F103C8 pages are 1 KiB): exactly one page differs each time.
  const first = change(base, 20 * 1024);
  progress('reflash: 1 KiB changed, skip-unchanged off');
  const full = await flashOnDevice(rig, first, link, 'skipUnchanged=0');
  const second = change(first, 40 * 1024);
  progress('reflash: another 1 KiB changed, skip-unchanged on');
  const skip = await flashOnDevice(rig, second, link, 'skipUnchanged=1');
  return {
    fullSeconds: round(full.seconds),
    skipUnchangedSeconds: round(skip.seconds),
    ratio: round(skip.seconds / full.seconds),
    full: full.detail,
    skipUnchanged: skip.detail,
  };
}

/** Runs bench/flash.ts (always 64 KiB) in a child process and keeps its time and ratio. */
function directFlash(): { seconds: number; floorSeconds: number; ratio: number } {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'flash.js');
  const child = spawnSync(process.execPath, [script, '--json'], { encoding: 'utf8', timeout: 120_000 });
  if (child.status !== 0) throw new Error(`bench/flash.js failed:\n${child.stderr}`);
  const report = JSON.parse(child.stdout) as { seconds: number; floorSeconds: number; ratio: number };
  return { seconds: report.seconds, floorSeconds: report.floorSeconds, ratio: report.ratio };
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]!.trim();
  } catch {
    // not Linux: fall through to Node's view
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
});
