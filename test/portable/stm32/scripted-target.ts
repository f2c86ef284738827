/**
 * A scripted stand-in for the chip, for checking the exact bytes the Bootloader puts on the wire. Each step says
 * which bytes the host must send next and what the "chip" answers once they are in (nothing = stay silent).
 * Bytes that differ from the script are recorded as mismatches, and everything received is kept.
 */
import { ByteChannel } from '../../../src/io/byte-channel.js';
import type { Serial, UartSettings } from '../../../src/io/contracts.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { Bootloader, type BootloaderOptions } from '../../../src/stm32/bootloader.js';
import { ACK } from '../../../src/stm32/commands.js';

export const BOOTLOADER_8E1: UartSettings = { baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 };

export interface Step {
  /** Bytes the host must send. */
  expect: readonly number[];
  /** What the chip answers when they are all in; omitted = silence. */
  reply?: readonly number[];
  /** Answer this many ms late. */
  delayMs?: number;
}

export class ScriptedTarget {
  /** Every byte the host sent. */
  readonly received: number[] = [];
  readonly mismatches: string[] = [];
  private readonly serial: Serial;
  private readonly steps: Step[] = [];
  private position = 0;

  constructor(private readonly link: SerialLink) {
    this.serial = link.b({ ...BOOTLOADER_8E1, onReadable: () => this.pull() });
  }

  /** Append steps to the script. */
  script(...steps: Step[]): this {
    this.steps.push(...steps);
    return this;
  }

  /** Send bytes now, unasked (late or stray answers). */
  send(bytes: readonly number[]): void {
    this.serial.write(Uint8Array.from(bytes));
  }

  /** True when every scripted step has been received. */
  get finished(): boolean {
    return this.steps.length === 0;
  }

  private pull(): void {
    for (;;) {
      const chunk = this.serial.read();
      if (!chunk) return;
      for (const byte of chunk) this.take(byte);
    }
  }

  private take(byte: number): void {
    this.received.push(byte);
    const step = this.steps[0];
    if (!step) {
      this.mismatches.push(`unscripted byte 0x${byte.toString(16)}`);
      return;
    }
    const want = step.expect[this.position]!;
    if (byte !== want) {
      this.mismatches.push(
        `byte ${this.position} of step: expected 0x${want.toString(16)}, got 0x${byte.toString(16)}`,
      );
    }
    this.position++;
    if (this.position < step.expect.length) return;
    this.steps.shift();
    this.position = 0;
    const reply = step.reply;
    if (!reply || reply.length === 0) return;
    if (step.delayMs) this.link.timer.set(() => this.send(reply), step.delayMs);
    else this.send(reply);
  }
}

/** A host Bootloader wired to a ScriptedTarget over a simulated link, on a VirtualClock. */
export function scripted(options: BootloaderOptions = {}) {
  const clock = new VirtualClock();
  const link = new SerialLink(clock, { chunkBytes: 300 });
  const chip = new ScriptedTarget(link);
  const channel = new ByteChannel(link.a, BOOTLOADER_8E1, clock);
  const bootloader = new Bootloader(channel, clock, options);
  return { clock, link, chip, channel, bootloader };
}

/** `cmd, ~cmd` answered with ACK. */
export function command(code: number, reply: readonly number[] = [ACK]): Step {
  return { expect: [code, code ^ 0xff], reply };
}

/** The 4-byte big-endian address and its XOR. */
export function address(value: number): number[] {
  const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  return [...bytes, bytes[0]! ^ bytes[1]! ^ bytes[2]! ^ bytes[3]!];
}

/** A Get reply listing `commands` for protocol `version`, framed as AN3155 §3.1. */
export function getReply(version: number, commands: readonly number[]): number[] {
  return [ACK, commands.length, version, ...commands, ACK];
}

export const COMMANDS_V22 = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x43, 0x63, 0x73, 0x82, 0x92];
export const COMMANDS_V33 = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92, 0xa1];
