/**
 * The three ways to flash a chip behind an airboot service over a (modelled) WiFi link, timed end to end:
 * - device: the image is POSTed to the service (/api/flash) and flashed next to the chip;
 * - host-over-bridge: airboot's own AN3155 master runs on the client and talks to the chip through the raw bridge
 *   (the seed's architecture: every exchange crosses the network);
 * - stm32flash: Debian's stm32flash through socat's pty and the raw bridge (the seed's exact path).
 * Each returns the seconds it took and the link's counters (turns = request/answer round trips).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MemoryImage } from '../src/image/memory-image.js';
import { ByteChannel } from '../src/io/byte-channel.js';
import type { UartSettings } from '../src/io/contracts.js';
import { TcpSerial } from '../src/platform/node/tcp-serial.js';
import { nodeTimer } from '../src/platform/node/timer.js';
import { Bootloader } from '../src/stm32/bootloader.js';
import { FLASH_BASE } from '../src/stm32/chips.js';
import { flash } from '../src/stm32/flasher.js';
import type { Rig } from './rig.js';
import { startWifiLink, type WifiLinkStats } from './wifi-link.js';

export type FlashPath = 'device' | 'host-over-bridge' | 'stm32flash';

export interface LinkModel {
  rttMs: number;
  bandwidthBytesPerSecond: number;
}

export interface PathRun {
  seconds: number;
  link: WifiLinkStats;
  /** What the job reported, when the path reports anything. */
  detail?: Record<string, unknown>;
}

export const BOOTLOADER_8E1: UartSettings = { baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 };

/** Why stm32flash runs cannot happen here, or undefined when they can. */
export function stm32flashMissing(): string | undefined {
  for (const tool of ['stm32flash', 'socat']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (found.status !== 0) return `${tool} is not installed (Debian: apt install stm32flash socat)`;
  }
  return undefined;
}

/** POST /api/flash over the link; the job's answer must say the image was written and verified. */
export async function flashOnDevice(
  rig: Rig,
  image: Uint8Array,
  model: LinkModel,
  query = 'skipUnchanged=0',
): Promise<PathRun> {
  const link = await startWifiLink({ target: { host: '127.0.0.1', port: rig.ports.http }, ...model });
  try {
    const started = performance.now();
    const response = await fetch(
      `http://127.0.0.1:${link.port}/api/flash?name=bench.bin&verify=1&wait=1&${query}`,
      {
        method: 'POST',
        body: image,
      },
    );
    const record = (await response.json()) as {
      state?: string;
      error?: unknown;
      result?: {
        verified: boolean;
        unitsErased: number;
        unitsSkipped: number;
        phases: Record<string, number>;
      };
    };
    const seconds = (performance.now() - started) / 1000;
    if (response.status !== 200 || record.state !== 'succeeded' || !record.result?.verified)
      throw new Error(`device flash failed: HTTP ${response.status} ${JSON.stringify(record).slice(0, 400)}`);
    checkFlash(rig, image);
    return {
      seconds,
      link: { ...link.stats },
      detail: {
        unitsErased: record.result.unitsErased,
        unitsSkipped: record.result.unitsSkipped,
        phasesMs: record.result.phases,
      },
    };
  } finally {
    await link.close();
  }
}

/** Reset the chip into its bootloader through the service (not timed: both bridge paths need it first). */
export async function bootTarget(rig: Rig): Promise<void> {
  const response = await fetch(`${rig.base}/api/target/boot`, { method: 'POST' });
  if (response.status !== 200)
    throw new Error(`boot failed: HTTP ${response.status} ${await response.text()}`);
}

/** airboot's AN3155 master on this side of the link, through the raw bridge. */
export async function flashHostOverBridge(rig: Rig, image: Uint8Array, model: LinkModel): Promise<PathRun> {
  await bootTarget(rig);
  const link = await startWifiLink({ target: { host: '127.0.0.1', port: rig.ports.bridge }, ...model });
  let channel: ByteChannel | undefined;
  try {
    const started = performance.now();
    const serial = await TcpSerial.connect('127.0.0.1', link.port);
    channel = new ByteChannel(serial.provider, BOOTLOADER_8E1, nodeTimer);
    const bootloader = new Bootloader(channel, nodeTimer);
    const memory = MemoryImage.fromSegments([{ address: FLASH_BASE, data: image }]);
    const result = await flash(bootloader, memory, { verify: true, timer: nodeTimer });
    const seconds = (performance.now() - started) / 1000;
    if (!result.verified) throw new Error('host-over-bridge flash was not verified');
    checkFlash(rig, image);
    return { seconds, link: { ...link.stats }, detail: { verifyMethod: result.verifyMethod } };
  } finally {
    channel?.close();
    await link.close();
  }
}

/** stm32flash -w -v through socat's pty → the link → the raw bridge (8n1 on the pty: a pty has no parity). */
export async function flashWithStm32flash(rig: Rig, image: Uint8Array, model: LinkModel): Promise<PathRun> {
  await bootTarget(rig);
  const dir = mkdtempSync(path.join(tmpdir(), 'airboot-bench-'));
  const link = await startWifiLink({ target: { host: '127.0.0.1', port: rig.ports.bridge }, ...model });
  const pty = path.join(dir, 'tty');
  const file = path.join(dir, 'image.bin');
  writeFileSync(file, image);
  const socat = spawn('socat', [`pty,link=${pty},raw,echo=0`, `tcp:127.0.0.1:${link.port}`], {
    stdio: 'ignore',
  });
  try {
    for (let i = 0; i < 200 && !existsSync(pty); i++) await new Promise((r) => setTimeout(r, 10));
    if (!existsSync(pty)) throw new Error('socat did not make its pty');
    const started = performance.now();
    const outcome = await run('stm32flash', ['-b', '115200', '-m', '8n1', '-w', file, '-v', pty]);
    const seconds = (performance.now() - started) / 1000;
    if (outcome.code !== 0 || !/Wrote and verified/.test(outcome.output))
      throw new Error(`stm32flash failed (${outcome.code}):\n${outcome.output.slice(-800)}`);
    checkFlash(rig, image);
    return { seconds, link: { ...link.stats } };
  } finally {
    socat.kill();
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The chip's flash must hold the image byte for byte, whatever the path said. */
function checkFlash(rig: Rig, image: Uint8Array): void {
  const flashed = rig.chip!.flash.read(FLASH_BASE, image.length);
  const at = flashed.findIndex((byte, i) => byte !== image[i]);
  if (at >= 0) throw new Error(`the chip's flash differs from the image at offset ${at}`);
}
