/**
 * A hand-written AN3155 host for the simulator's tests: raw frames over a SerialLink on a VirtualClock, so each
 * test shows the exact bytes on the wire (no dependency on the real bootloader master).
 */
import { ByteChannel } from '../../../src/io/byte-channel.js';
import type { UartSettings } from '../../../src/io/contracts.js';
import { UART_8N1 } from '../../../src/io/contracts.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import type { SimulatedStm32Options } from '../../../src/sim/stm32-sim.js';
import { SimulatedStm32 } from '../../../src/sim/stm32-sim.js';
import { ACK, addressFrame, NACK, xorChecksum } from '../../../src/stm32/commands.js';
import { equal } from '../assert.js';

export const HOST_8E1: UartSettings = { baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 };
/** Longest a test waits for one answer, ms of virtual time. */
export const ANSWER_MS = 1000;

export interface RigOptions extends Partial<SimulatedStm32Options> {
  /** Wire time on the link (default off). */
  linkTiming?: boolean;
  /** Do not power the chip on. */
  unpowered?: boolean;
}

export interface Rig {
  clock: VirtualClock;
  link: SerialLink;
  host: ByteChannel;
  chip: SimulatedStm32;
}

/** A chip (default F103C8, standalone bootloader, no timing) and a host channel at 115200 8E1. */
export function rig(options: RigOptions = {}): Rig {
  const clock = new VirtualClock();
  const link = new SerialLink(clock, { timing: options.linkTiming ?? false });
  const host = new ByteChannel(link.a, HOST_8E1, clock);
  const chip = new SimulatedStm32({
    model: 'F103C8',
    timer: clock,
    serial: link.b,
    timing: false,
    start: 'bootloader',
    autobaud: () => link.settings('a')?.baud,
    ...options,
  });
  if (!options.unpowered) chip.powerOn();
  return { clock, link, host, chip };
}

/** Write bytes, then read exactly `answer` bytes (within `timeoutMs` of virtual time). */
export function exchange(r: Rig, bytes: ArrayLike<number>, answer: number, timeoutMs = ANSWER_MS) {
  return r.clock.run(
    (async () => {
      await r.host.write(Uint8Array.from(bytes));
      return r.host.readExactly(answer, timeoutMs);
    })(),
  );
}

/** Send one byte sequence and expect a single ACK or NACK. */
export async function expectByte(
  r: Rig,
  bytes: ArrayLike<number>,
  expected: number,
  what = '',
  timeoutMs = ANSWER_MS,
): Promise<void> {
  const got = await exchange(r, bytes, 1, timeoutMs);
  equal(got[0], expected, `${what}: expected 0x${expected.toString(16)}, got 0x${got[0]!.toString(16)}`);
}

export async function sync(r: Rig): Promise<void> {
  await expectByte(r, [0x7f], ACK, 'sync');
}

export const cmd = (code: number): number[] => [code, code ^ 0xff];

/** Bytes followed by their XOR (AN3155 checksum), optionally seeded with `initial`. */
export function withXor(bytes: ArrayLike<number>, initial = 0): number[] {
  const data = Uint8Array.from(bytes);
  return [...data, xorChecksum(data, initial)];
}

export const addr = (address: number): number[] => Array.from(addressFrame(address));

/** 4 bytes big-endian + XOR, as Get Checksum takes its size, polynomial and initial value. */
export const word = (value: number): number[] => addr(value);

/** Read Memory (AN3155 §3.4), asserting every ACK. */
export async function readMemory(r: Rig, address: number, length: number): Promise<Uint8Array> {
  await expectByte(r, cmd(0x11), ACK, 'read command');
  await expectByte(r, addr(address), ACK, 'read address');
  const answer = await exchange(r, [length - 1, (length - 1) ^ 0xff], length + 1);
  equal(answer[0], ACK, 'read length');
  return answer.subarray(1);
}

/** Write Memory (AN3155 §3.6) up to the data; returns the final answer byte. */
export async function writeMemory(r: Rig, address: number, data: ArrayLike<number>): Promise<number> {
  await expectByte(r, cmd(0x31), ACK, 'write command');
  await expectByte(r, addr(address), ACK, 'write address');
  const got = await exchange(r, withXor([data.length - 1, ...Array.from(data)]), 1);
  return got[0]!;
}

/** Let `ms` of virtual time pass and check that nothing arrived at the host. */
export async function expectSilence(r: Rig, ms: number, what = 'chip'): Promise<void> {
  await r.clock.advance(ms);
  equal(r.host.available, 0, `${what} should have stayed silent`);
}

/** Read one CRLF-terminated line (at most 200 bytes), as bytes. */
export async function readLine(r: Rig, timeoutMs = ANSWER_MS): Promise<Uint8Array> {
  const line: number[] = [];
  while (line.length < 200) {
    line.push((await r.clock.run(r.host.readExactly(1, timeoutMs)))[0]!);
    if (line.length >= 2 && line[line.length - 2] === 0x0d && line[line.length - 1] === 0x0a) break;
  }
  return Uint8Array.from(line);
}

/** Switch the host to the application's 115200 8N1. */
export function toApp(r: Rig): void {
  r.host.configure(UART_8N1);
}

/** Deterministic test data. */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export { ACK, NACK };
