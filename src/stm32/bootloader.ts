/**
 * The host side of the STM32 USART system bootloader protocol, ST AN3155 (rev. 20). Every command goes through one
 * exchange helper: send `cmd, ~cmd`, wait for ACK, then the command's own frames, each answered by ACK or NACK.
 * That helper maps a NACK to NackError, silence to TimeoutError and any other byte to ProtocolError, and when an
 * exchange breaks off half-way it leaves the chip waiting for nothing (see `abortFrame`), so a new `sync()`
 * always brings it back.
 */
import type { ByteChannel } from '../io/byte-channel.js';
import type { Log, Timer } from '../io/contracts.js';
import { silentLog } from '../io/contracts.js';
import { CancelledError, ChannelOverflowError, ChannelTimeoutError } from '../io/errors.js';
import type { CancelToken } from './cancel.js';
import { ACK, addressFrame, Command, MAX_TRANSFER, NACK, SYNC, xorChecksum } from './commands.js';
import type { ExchangeContext } from './errors.js';
import { NackError, NoSyncError, ProtocolError, TimeoutError, UnsupportedCommandError } from './errors.js';

/** How long to wait for each kind of answer, in ms. Defaults are stm32flash's (reference "Timeouts"). */
export interface BootloaderTimeouts {
  /** Any single answer: an ACK to a command, address or length, or a reply's bytes. */
  readMs: number;
  /** The ACK after the data of Write Memory (the chip programs before it answers). */
  writeMs: number;
  /** Per page or sector listed in one Erase / Extended Erase. */
  pageEraseMs: number;
  /** Mass or bank erase, and Readout Unprotect (which mass-erases). */
  massEraseMs: number;
  /** The second ACK of Write Unprotect and Readout Protect. */
  protectMs: number;
  /** The ACK that ends Get Checksum's computation. */
  checksumMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<BootloaderTimeouts> = Object.freeze({
  readMs: 500,
  writeMs: 1000,
  pageEraseMs: 5000,
  massEraseMs: 35000,
  protectMs: 1000,
  checksumMs: 1000,
});

export interface BootloaderOptions {
  timeouts?: Partial<BootloaderTimeouts>;
  /**
   * Link speed in baud. Only used to add the wire time of what was just sent to an answer's timeout, so slow links
   * (AN3155 allows 1200 baud) do not time out while the host's own bytes are still going out. Default 115200.
   */
  baud?: number;
  /** Wait after a command that resets the chip before syncing again (AN2606 start-up), ms. Default 200. */
  restartMs?: number;
  /**
   * After the sync answer, wait this long and discard anything more: the L412 answers 0x7F with two ACKs
   * (reference "Known quirks"), and a stale answer of an aborted exchange may follow. ms, default 10.
   */
  syncSettleMs?: number;
  /** Least quiet time on the line before a re-sync after a failure, ms. Default 50. */
  quietMs?: number;
  log?: Log;
}

export interface SyncOptions {
  /** How many times to send 0x7F. Default 6. */
  attempts?: number;
  /** How long to wait for an answer to each 0x7F, ms. Default the read timeout (500). */
  intervalMs?: number;
}

/** The Get reply (AN3155 §3.1). */
export interface GetReply {
  /** Protocol version, e.g. 0x31 for 3.1. */
  version: number;
  /** Command codes the bootloader accepts. */
  commands: number[];
}

/** Get Version reply (AN3155 §3.2): the version and two option bytes (0 on most parts, kept for compatibility). */
export interface VersionReply {
  version: number;
  options: [number, number];
}

/** What an erase removes: listed pages/sectors, everything, or one bank (Extended Erase only). */
export type EraseTarget = readonly number[] | 'mass' | 'bank1' | 'bank2';

/** Most pages one Erase (0x43) may list: N-1 is one byte and 0xFF means global erase (AN3155 §3.7). */
export const MAX_ERASE_PAGES_0x43 = 255;
/** Most pages one Extended Erase (0x44) lists; AN3155 §3.8 allows more, stm32flash and airboot send ≤ 512. */
export const MAX_ERASE_PAGES_0x44 = 512;

/**
 * The byte sent to end a frame the chip may still be reading after an exchange broke off. Even and neither 0x00
 * nor 0xFF, so that a run of it never matches the XOR checksum of any AN3155 frame (address, length, data, page
 * list), is never a valid `cmd, ~cmd` pair, and never starts a global erase (0xFF).
 */
const FILL = 0x02;

/** Silent sync tries before sync sends FLUSH_BYTES to end a frame a lost host left the chip reading. */
const SILENT_TRIES_BEFORE_FLUSH = 3;
/** The largest frame that is not an erase list: Write Memory's count byte, 256 data bytes and checksum (§3.6). */
const FLUSH_BYTES = 258;

/**
 * For each command, how many FILL bytes end the frame the chip may be reading after the host's k-th frame of that
 * exchange went unanswered (k = 0 is the command itself). A NACK comes back once the frame is complete.
 * Sizes with FILL as the count byte: address 5; read length 2; write data 1+3+1; Erase 1+3+1;
 * Extended Erase 2 + 2×(0x0202+1) + 1.
 */
const FRAME_FILL: Readonly<Record<number, readonly number[]>> = {
  [Command.ReadMemory]: [5, 2],
  [Command.WriteMemory]: [5, 5],
  [Command.Go]: [5],
  [Command.Erase]: [5],
  [Command.ExtendedErase]: [1033],
  [Command.GetChecksum]: [5, 5, 5, 5],
};

/** One exchange in progress: the helpers a command's body uses after `cmd, ~cmd` was ACKed. */
interface Exchange {
  /** Send a frame, then wait for its ACK (timeout: read timeout unless given). */
  send(frame: Uint8Array, step: string, timeoutMs?: number): Promise<void>;
  /** Wait for an ACK without sending anything. */
  ack(step: string, timeoutMs?: number): Promise<void>;
  /** Receive exactly `count` bytes. */
  receive(count: number, step: string, timeoutMs?: number): Promise<Uint8Array>;
  /** Command, address and this step, for an error raised by the body. */
  context(step: string): ExchangeContext;
}

/**
 * An AN3155 bootloader master over a ByteChannel (8E1 at the bootloader baud). One command at a time; the caller
 * awaits each method before calling the next.
 */
export class Bootloader {
  readonly timeouts: BootloaderTimeouts;
  /** Cancellation of the job using this bootloader; checked before each exchange and during every wait. */
  cancel: CancelToken | undefined;
  /** From the last Get: version and command list. */
  private getReply: GetReply | undefined;
  /** Set when an exchange failed: stale answers may still arrive, so wait for a quiet line before the next one. */
  private dirty = false;
  /** The longest answer wait that ended without an answer: a late answer may still come that long after. */
  private lateMs = 0;
  private readonly log: Log;
  private readonly baud: number;
  private readonly restartMs: number;
  private readonly syncSettleMs: number;
  private readonly quietMs: number;

  constructor(
    readonly channel: ByteChannel,
    readonly timer: Timer,
    options: BootloaderOptions = {},
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.log = options.log ?? silentLog;
    this.baud = options.baud ?? 115200;
    this.restartMs = options.restartMs ?? 200;
    this.syncSettleMs = options.syncSettleMs ?? 10;
    this.quietMs = options.quietMs ?? 50;
  }

  /** Bits per second of the line (the speed the bootloader measured at sync). */
  get lineBaud(): number {
    return this.baud;
  }

  /** Protocol version and commands from the last Get, if one was made. */
  get info(): GetReply | undefined {
    return this.getReply;
  }

  /** Whether the last Get listed this command. False before any Get. */
  supports(command: number): boolean {
    return this.getReply?.commands.includes(command) ?? false;
  }

  /**
   * Synchronise (AN3155 §2): send 0x7F until the chip answers. ACK: it measured the baud. NACK: it was already
   * synchronised (a host ran before) and took 0x7F as a bad command, which is as good. Silence: send again.
   * After a failed exchange this first waits for a quiet line, so late answers are not taken for this one.
   */
  async sync(options: SyncOptions = {}): Promise<'synced' | 'already-synced'> {
    const attempts = options.attempts ?? 6;
    const intervalMs = options.intervalMs ?? this.timeouts.readMs;
    const context: ExchangeContext = { command: SYNC, step: 'sync' };
    if (this.dirty) await this.drainQuiet();
    let lastByte: number | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      this.checkCancel();
      if (attempt === SILENT_TRIES_BEFORE_FLUSH && lastByte === undefined) await this.flushPendingFrame();
      this.channel.flushInput();
      await this.channel.write(Uint8Array.of(SYNC));
      let answer: number;
      try {
        answer = (await this.read(1, context, intervalMs + this.wireMs(1)))[0]!;
      } catch (error) {
        if (!(error instanceof TimeoutError || error instanceof ProtocolError)) throw error;
        continue;
      }
      if (answer !== ACK && answer !== NACK) {
        // Application output or line noise before the bootloader runs: not an answer, try again.
        lastByte = answer;
        continue;
      }
      await this.pause(this.syncSettleMs);
      if (this.channel.available > 0) {
        this.log('debug', `sync: discarded ${this.channel.available} extra byte(s) after the answer`);
        this.channel.flushInput();
      }
      this.dirty = false;
      this.lateMs = 0;
      return answer === ACK ? 'synced' : 'already-synced';
    }
    // No ACK/NACK after every attempt: the chip is not in its bootloader or cannot hear us (wiring, power, baud).
    throw new NoSyncError(attempts, intervalMs, lastByte);
  }

  /**
   * A chip whose previous host went away mid-exchange (a cut link, a killed process) still waits for the rest of
   * that frame and takes each 0x7F as part of it, so it never answers a sync (AN3155 sets no frame timeout). Send
   * enough 0x7F to complete the largest frame (Write Memory data: count, 256 bytes, checksum); the chip then answers
   * it (usually NACK: bad checksum) and NACKs the 0x7F pairs after it, which are invalid commands. 0x7F, not another
   * filler, because a chip that simply had not started yet takes the first one as its autobaud sync byte. The rare
   * frame that passes its checksum writes inside the range the lost host was writing, which a new flash erases.
   */
  private async flushPendingFrame(): Promise<void> {
    this.log(
      'debug',
      `sync: no answer; completing any frame the chip may still be reading (${FLUSH_BYTES} × 0x7F)`,
    );
    await this.channel.write(new Uint8Array(FLUSH_BYTES).fill(SYNC));
    await this.pause(this.wireMs(FLUSH_BYTES));
    await this.drainQuiet();
  }

  /** Wait for a quiet line after a failure, then sync again. What a retry calls before it repeats a command. */
  async resync(options: SyncOptions = {}): Promise<void> {
    this.dirty = true;
    await this.sync(options);
  }

  /** Get (AN3155 §3.1): protocol version and the commands this bootloader accepts. */
  async get(): Promise<GetReply> {
    const reply = await this.exchange(Command.Get, undefined, async (x) => {
      const count = (await x.receive(1, 'count'))[0]!;
      // N = bytes to follow - 1: the version and N command codes. A real reply lists ≤ 20 commands.
      if (count + 1 > 64) throw new ProtocolError(x.context('count'), count, 'implausible Get length');
      const body = await x.receive(count + 1, 'answer');
      await x.ack('end');
      return { version: body[0]!, commands: Array.from(body.subarray(1)) };
    });
    this.getReply = reply;
    return reply;
  }

  /** Get Version (AN3155 §3.2). */
  getVersion(): Promise<VersionReply> {
    return this.exchange(Command.GetVersion, undefined, async (x) => {
      const body = await x.receive(3, 'answer');
      await x.ack('end');
      return { version: body[0]!, options: [body[1]!, body[2]!] };
    });
  }

  /** Get ID (AN3155 §3.3): the 12-bit product ID. */
  getId(): Promise<number> {
    return this.exchange(Command.GetId, undefined, async (x) => {
      const count = (await x.receive(1, 'count'))[0]!;
      // N = 1 on every STM32 (two PID bytes); accept a longer reply but keep it bounded.
      if (count < 1 || count > 15)
        throw new ProtocolError(x.context('count'), count, 'implausible Get ID length');
      const body = await x.receive(count + 1, 'answer');
      await x.ack('end');
      return ((body[0]! << 8) | body[1]!) & 0xfff;
    });
  }

  /** Read Memory (AN3155 §3.4): `length` (1–256) bytes from `address`. */
  readMemory(address: number, length: number): Promise<Uint8Array> {
    if (!Number.isInteger(length) || length < 1 || length > MAX_TRANSFER) {
      throw new RangeError(`Read Memory takes 1 to ${MAX_TRANSFER} bytes, not ${length}`);
    }
    return this.exchange(Command.ReadMemory, address, async (x) => {
      await x.send(addressFrame(address), 'address');
      await x.send(Uint8Array.of(length - 1, (length - 1) ^ 0xff), 'length');
      return x.receive(length, 'data', this.timeouts.readMs + this.wireMs(length));
    });
  }

  /**
   * Write Memory (AN3155 §3.6): up to 256 bytes at `address`. AN3155 wants the address and the length to be
   * multiples of 4; a shorter tail is padded with 0xFF (erased flash). The chip does not report writes to
   * protected or invalid addresses: verify afterwards.
   */
  writeMemory(address: number, data: Uint8Array): Promise<void> {
    if (address % 4 !== 0)
      throw new RangeError(`Write Memory address 0x${hex32(address)} is not word aligned`);
    if (data.length < 1 || data.length > MAX_TRANSFER) {
      throw new RangeError(`Write Memory takes 1 to ${MAX_TRANSFER} bytes, not ${data.length}`);
    }
    const length = (data.length + 3) & ~3;
    const frame = new Uint8Array(length + 2).fill(0xff);
    frame[0] = length - 1;
    frame.set(data, 1);
    frame[length + 1] = xorChecksum(frame.subarray(0, length + 1));
    return this.exchange(Command.WriteMemory, address, async (x) => {
      await x.send(addressFrame(address), 'address');
      await x.send(frame, 'data', this.timeouts.writeMs);
    });
  }

  /**
   * Erase listed pages/sectors, or all of the flash ('mass'), or one bank (AN3155 §3.7 Erase 0x43, §3.8 Extended
   * Erase 0x44; the Get reply says which of the two this bootloader has). Long lists are sent as several commands
   * of at most 255 (0x43) or 512 (0x44) pages.
   */
  async erase(target: EraseTarget): Promise<void> {
    const command = await this.eraseCommand();
    if (typeof target === 'string') {
      await this.erasePages(command, target, this.timeouts.massEraseMs);
      return;
    }
    const max = command === Command.Erase ? MAX_ERASE_PAGES_0x43 : MAX_ERASE_PAGES_0x44;
    for (let first = 0; first < target.length; first += max) {
      const pages = target.slice(first, first + max);
      await this.erasePages(command, pages, this.timeouts.pageEraseMs * pages.length);
    }
  }

  /** The erase command this bootloader lists: Extended Erase (0x44) or Erase (0x43). Runs Get if needed. */
  async eraseCommand(): Promise<0x43 | 0x44> {
    const reply = this.getReply ?? (await this.get());
    if (reply.commands.includes(Command.ExtendedErase)) return Command.ExtendedErase;
    if (reply.commands.includes(Command.Erase)) return Command.Erase;
    throw new UnsupportedCommandError(Command.ExtendedErase, reply.commands);
  }

  /** Go (AN3155 §3.5): the chip loads SP from `address` and jumps to the reset vector at `address + 4`. */
  go(address: number): Promise<void> {
    return this.exchange(Command.Go, address, async (x) => {
      await x.send(addressFrame(address), 'address');
    });
  }

  /** Write Unprotect (AN3155 §3.10): two ACKs, then the chip resets; this re-syncs after the start-up wait. */
  async writeUnprotect(): Promise<void> {
    await this.exchange(Command.WriteUnprotect, undefined, (x) => x.ack('done', this.timeouts.protectMs));
    await this.afterReset();
  }

  /** Readout Protect (AN3155 §3.11): two ACKs, then the chip resets; this re-syncs after the start-up wait. */
  async readoutProtect(): Promise<void> {
    await this.exchange(Command.ReadoutProtect, undefined, (x) => x.ack('done', this.timeouts.protectMs));
    await this.afterReset();
  }

  /**
   * Readout Unprotect (AN3155 §3.12): the chip mass-erases its flash between the two ACKs, then resets; this
   * re-syncs after the start-up wait.
   */
  async readoutUnprotect(): Promise<void> {
    await this.exchange(Command.ReadoutUnprotect, undefined, (x) => x.ack('done', this.timeouts.massEraseMs));
    await this.afterReset();
  }

  /**
   * Get Checksum (AN3155 §3.13, protocol ≥ 3.3, only when Get lists 0xA1): the CRC of `words` 32-bit words from
   * `address`, computed by the chip's CRC unit. Frames: address, size in words, polynomial, initial value, each
   * 4 bytes big-endian + XOR and each ACKed; then an ACK when done and the CRC, 4 bytes + XOR.
   */
  async getChecksum(
    address: number,
    words: number,
    polynomial = 0x04c1_1db7,
    initial = 0xffff_ffff,
  ): Promise<number> {
    if (address % 4 !== 0)
      throw new RangeError(`Get Checksum address 0x${hex32(address)} is not word aligned`);
    if (!Number.isInteger(words) || words < 1) throw new RangeError(`Get Checksum of ${words} words`);
    const reply = this.getReply ?? (await this.get());
    if (!reply.commands.includes(Command.GetChecksum)) {
      throw new UnsupportedCommandError(Command.GetChecksum, reply.commands);
    }
    return this.exchange(Command.GetChecksum, address, async (x) => {
      await x.send(addressFrame(address), 'address');
      await x.send(addressFrame(words), 'size');
      await x.send(addressFrame(polynomial), 'polynomial');
      await x.send(addressFrame(initial), 'initial');
      await x.ack('done', this.timeouts.checksumMs);
      const crc = await x.receive(5, 'crc');
      if (xorChecksum(crc.subarray(0, 4)) !== crc[4]) {
        throw new ProtocolError(x.context('crc'), crc[4], 'CRC reply fails its XOR checksum');
      }
      return ((crc[0]! << 24) | (crc[1]! << 16) | (crc[2]! << 8) | crc[3]!) >>> 0;
    });
  }

  private erasePages(command: 0x43 | 0x44, target: EraseTarget, timeoutMs: number): Promise<void> {
    const frame = eraseFrame(command, target);
    return this.exchange(command, undefined, async (x) => {
      await x.send(frame, 'pages', timeoutMs);
    });
  }

  /** A command reset the chip: wait for the bootloader to start again and sync (AN3155 §3.10–§3.12). */
  private async afterReset(): Promise<void> {
    await this.pause(this.restartMs);
    this.dirty = false;
    await this.sync();
  }

  /**
   * The one exchange helper. Sends `cmd, ~cmd` and waits for ACK, then runs the command's frames. When the
   * exchange breaks off (timeout, wrong byte, cancellation), the chip may still be waiting for the next frame:
   * `abortFrame` ends that frame so a later sync finds the chip waiting for a command.
   */
  private async exchange<T>(
    command: number,
    address: number | undefined,
    body: (x: Exchange) => Promise<T>,
  ): Promise<T> {
    this.checkCancel();
    if (this.dirty) await this.drainQuiet();
    if (this.channel.available > 0) {
      this.log(
        'warn',
        `${hexByte(command)}: discarded ${this.channel.available} stale byte(s) before the command`,
      );
      this.channel.flushInput();
    }
    let framesSent = 0;
    const context = (step: string): ExchangeContext => ({ command, address, step });
    const expectAck = async (step: string, timeoutMs: number) => {
      const byte = (await this.read(1, context(step), timeoutMs))[0]!;
      if (byte === ACK) return;
      if (byte === NACK) throw new NackError(context(step));
      throw new ProtocolError(context(step), byte, 'expected ACK (0x79) or NACK (0x1F)');
    };
    const x: Exchange = {
      send: async (frame, step, timeoutMs = this.timeouts.readMs) => {
        await this.channel.write(frame);
        framesSent++;
        await expectAck(step, timeoutMs + this.wireMs(frame.length));
      },
      ack: (step, timeoutMs = this.timeouts.readMs) => expectAck(step, timeoutMs),
      receive: (count, step, timeoutMs = this.timeouts.readMs) => this.read(count, context(step), timeoutMs),
      context,
    };
    const stopListening = this.cancel?.onCancel((reason) => this.channel.fail(reason));
    try {
      await this.channel.write(Uint8Array.of(command, command ^ 0xff));
      await expectAck('command', this.timeouts.readMs + this.wireMs(2));
      return await body(x);
    } catch (error) {
      // Even after a NACK a second one may follow (RDP parts, reference "Framing"): drain before the next.
      this.dirty = true;
      if (!(error instanceof NackError)) await this.abortFrame(command, framesSent, error);
      throw error;
    } finally {
      stopListening?.();
    }
  }

  /**
   * After the host's `framesSent`-th frame went unanswered, the chip may be reading the next frame of this command
   * and would take the next command's bytes (or 0x7F) as part of it: a 0x7F run even passes a write's checksum and
   * would be programmed. Ending the frame with FILL bytes makes it fail its checksum, so the chip NACKs and waits
   * for a command again. If the chip was not reading a frame, FILL pairs are invalid commands and are NACKed too.
   */
  private async abortFrame(command: number, framesSent: number, cause: unknown): Promise<void> {
    if (cause instanceof CancelledError || this.cancel?.reason === cause) this.channel.recover();
    const fill = FRAME_FILL[command]?.[framesSent] ?? 0;
    if (fill === 0) return;
    this.log('debug', `${hexByte(command)}: ending a frame the chip may be reading with ${fill} byte(s)`);
    try {
      await this.channel.write(new Uint8Array(fill).fill(FILL));
    } catch (error) {
      this.log('warn', `could not end the chip's frame: ${(error as Error).message}`);
    }
  }

  /** Read exactly `count` bytes, mapping the channel's errors to the bootloader's. */
  private async read(count: number, context: ExchangeContext, timeoutMs: number): Promise<Uint8Array> {
    try {
      return await this.channel.readExactly(count, timeoutMs);
    } catch (error) {
      if (error instanceof ChannelTimeoutError) {
        this.lateMs = Math.max(this.lateMs, timeoutMs);
        throw new TimeoutError(context, timeoutMs, error.received);
      }
      if (error instanceof ChannelOverflowError) {
        throw new ProtocolError(
          context,
          undefined,
          `answer overflowed the input buffer (${error.dropped} lost)`,
        );
      }
      throw error;
    }
  }

  /**
   * Discard input until the line has been quiet for a while: at least `quietMs`, and as long as the wait that timed
   * out, so an answer that was merely late arrives now and not in the middle of the next exchange.
   */
  private async drainQuiet(): Promise<void> {
    const window = Math.max(this.quietMs, this.lateMs);
    for (let round = 0; round < 8; round++) {
      this.channel.flushInput();
      await this.pause(window);
      if (this.channel.available === 0) break;
    }
    this.channel.flushInput();
    this.dirty = false;
    this.lateMs = 0;
  }

  /** Sleep on the injected timer; a cancellation ends the sleep at once. */
  private pause(ms: number): Promise<void> {
    this.checkCancel();
    return new Promise((resolve, reject) => {
      const stop = this.cancel?.onCancel((reason) => {
        this.timer.clear(handle);
        reject(reason);
      });
      const handle = this.timer.set(() => {
        stop?.();
        resolve();
      }, ms);
    });
  }

  private checkCancel(): void {
    this.cancel?.throwIfCancelled();
  }

  /** Time our own `bytes` take on the wire at 11 bits each (8E1), whole ms: added to the wait for their answer. */
  private wireMs(bytes: number): number {
    return Math.ceil((bytes * 11 * 1000) / this.baud);
  }
}

/** The frame after an erase command: page list or special code, with its XOR (AN3155 §3.7, §3.8). */
export function eraseFrame(command: 0x43 | 0x44, target: EraseTarget): Uint8Array {
  if (command === Command.Erase) {
    if (target === 'mass') return Uint8Array.of(0xff, 0x00);
    if (typeof target === 'string') throw new RangeError(`Erase (0x43) has no ${target} erase`);
    if (target.length < 1 || target.length > MAX_ERASE_PAGES_0x43) {
      throw new RangeError(`Erase (0x43) takes 1 to ${MAX_ERASE_PAGES_0x43} pages, not ${target.length}`);
    }
    const frame = new Uint8Array(target.length + 2);
    frame[0] = target.length - 1;
    target.forEach((page, i) => {
      if (page < 0 || page > 0xff) throw new RangeError(`Erase (0x43) page ${page} does not fit one byte`);
      frame[i + 1] = page;
    });
    frame[target.length + 1] = xorChecksum(frame.subarray(0, target.length + 1));
    return frame;
  }
  if (target === 'mass') return Uint8Array.of(0xff, 0xff, 0x00);
  if (target === 'bank1') return Uint8Array.of(0xff, 0xfe, 0x01);
  if (target === 'bank2') return Uint8Array.of(0xff, 0xfd, 0x02);
  if (target.length < 1 || target.length > MAX_ERASE_PAGES_0x44) {
    throw new RangeError(
      `Extended Erase takes 1 to ${MAX_ERASE_PAGES_0x44} pages here, not ${target.length}`,
    );
  }
  const frame = new Uint8Array(2 + 2 * target.length + 1);
  frame[0] = ((target.length - 1) >> 8) & 0xff;
  frame[1] = (target.length - 1) & 0xff;
  target.forEach((page, i) => {
    if (page < 0 || page >= 0xfff0) throw new RangeError(`Extended Erase page ${page} is out of range`);
    frame[2 + 2 * i] = (page >> 8) & 0xff;
    frame[3 + 2 * i] = page & 0xff;
  });
  frame[frame.length - 1] = xorChecksum(frame.subarray(0, frame.length - 1));
  return frame;
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

function hexByte(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
