/**
 * `npm run bench:flash`: how close airboot's flashing comes to what the wire and the flash allow.
 *
 * 64 KiB of random data go into a simulated STM32F103C8 at 115200 baud 8E1, in real time: the serial link charges
 * 11 bit-times per byte, the simulated chip charges programming and erase time from its datasheet model. The floor
 * is computed from AN3155 alone — the fewest bytes the job needs on the wire, times 11 / baud, plus programming and
 * erase time — so the ratio shows airboot's own overhead (round-trip latency, processing, extra commands).
 *
 *   npm run bench:flash            a table
 *   npm run bench:flash -- --json  one JSON object: seconds, floorSeconds, ratio, …
 */
import { randomBytes } from 'node:crypto';
import { MemoryImage } from '../src/image/memory-image.js';
import { ByteChannel } from '../src/io/byte-channel.js';
import { bitsPerCharacter, type UartSettings } from '../src/io/contracts.js';
import { SerialLink } from '../src/io/serial-link.js';
import { nodeTimer } from '../src/platform/node/timer.js';
import { SimulatedStm32 } from '../src/sim/stm32-sim.js';
import { Bootloader } from '../src/stm32/bootloader.js';
import { chipByPid, eraseUnits, FLASH_BASE, modelByName } from '../src/stm32/chips.js';
import { flash } from '../src/stm32/flasher.js';
import { floorByteTimes } from './floor.js';

const BOOTLOADER_8E1: UartSettings = { baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 };
const IMAGE_BYTES = 64 * 1024;
const MODEL = 'F103C8';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const model = modelByName(MODEL)!;
  const chip = chipByPid(model.pid);
  const timer = nodeTimer;
  const link = new SerialLink(timer, { timing: true });
  const sim = new SimulatedStm32({ model, timer, serial: link.b, timing: true, start: 'bootloader' });
  sim.powerOn();
  await new Promise((resolve) => setTimeout(resolve, chip.timing.bootloaderStartMs + 20));

  const data = new Uint8Array(randomBytes(IMAGE_BYTES));
  const image = MemoryImage.fromSegments([{ address: FLASH_BASE, data }]);
  const channel = new ByteChannel(link.a, BOOTLOADER_8E1, timer);
  const bootloader = new Bootloader(channel, timer);

  const started = performance.now();
  const result = await flash(bootloader, image, { verify: true, timer });
  const seconds = (performance.now() - started) / 1000;

  const flashed = sim.flash.read(FLASH_BASE, IMAGE_BYTES);
  const identical = flashed.every((byte, i) => byte === data[i]);
  if (!identical || !result.verified) throw new Error('benchmark flash did not end with the image in flash');

  const units = eraseUnits(chip.eraseLayout, model.flashBytes).filter((u) =>
    image.overlaps(u.address, u.size),
  );
  const getReplyBytes = 1 + 1 + 11; // protocol 2.2: N, version, 11 command codes (AN3155 §3.1)
  const byteTimes = floorByteTimes(IMAGE_BYTES, units.length, getReplyBytes);
  const wireSeconds = (byteTimes * bitsPerCharacter(BOOTLOADER_8E1)) / BOOTLOADER_8E1.baud;
  const programSeconds = (Math.ceil(IMAGE_BYTES / chip.timing.programUnit) * chip.timing.programUs) / 1e6;
  const eraseSeconds = units.reduce((sum, unit) => sum + chip.timing.eraseMs(unit.size), 0) / 1000;
  const floorSeconds = wireSeconds + programSeconds + eraseSeconds;
  const ratio = seconds / floorSeconds;

  const report = {
    chip: `STM32${model.name}`,
    bytes: IMAGE_BYTES,
    baud: BOOTLOADER_8E1.baud,
    format: '8E1',
    verifyMethod: result.verifyMethod,
    seconds: round(seconds),
    floorSeconds: round(floorSeconds),
    ratio: round(ratio),
    floor: {
      wireSeconds: round(wireSeconds),
      programSeconds: round(programSeconds),
      eraseSeconds: round(eraseSeconds),
    },
    phases: Object.fromEntries(
      Object.entries(result.phases).map(([k, v]) => [k, round((v as number) / 1000)]),
    ),
    throughputBytesPerSecond: Math.round(IMAGE_BYTES / seconds),
  };
  sim.close();
  channel.close();

  if (json) {
    console.log(JSON.stringify(report));
    return;
  }
  const rows: Array<[string, string, string, string]> = [
    ['measure', 'airboot', 'floor', 'ratio'],
    ['total (s)', fmt(seconds), fmt(floorSeconds), fmt(ratio)],
    ['  wire time (s)', '', fmt(wireSeconds), ''],
    ['  programming (s)', '', fmt(programSeconds), ''],
    ['  erase (s)', '', fmt(eraseSeconds), ''],
    ...Object.entries(report.phases).map(
      ([phase, s]) => [`  phase ${phase} (s)`, fmt(s as number), '', ''] as [string, string, string, string],
    ),
    ['throughput (KiB/s)', fmt(IMAGE_BYTES / 1024 / seconds), fmt(IMAGE_BYTES / 1024 / floorSeconds), ''],
  ];
  console.log(
    `flash ${IMAGE_BYTES / 1024} KiB random → simulated STM32${model.name}, ${BOOTLOADER_8E1.baud} 8E1, verify by ${result.verifyMethod}`,
  );
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows)
    console.log(
      row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    );
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function fmt(value: number): string {
  return value.toFixed(3);
}

main().catch((error: unknown) => {
  console.error(`bench:flash failed: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
});
