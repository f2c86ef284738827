import type { Bytes, Serial, SerialProvider, Timer, TimerHandle, UartSettings } from './contracts.js';
import { asUint8 } from './contracts.js';
import { ChannelClosedError, ChannelOverflowError, ChannelTimeoutError } from './errors.js';

interface PendingRead {
  count: number;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
  timer: TimerHandle;
  timeoutMs: number;
}

interface PendingWrite {
  bytes: Uint8Array;
  offset: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface ByteChannelOptions {
  /** Most bytes held while nobody reads; more are dropped and the next read fails. Default 1024. */
  capacity?: number;
}

/**
 * A promise-based reader and writer over an event-driven Serial: protocol code reads "exactly n bytes within t ms"
 * and stays linear. Nothing polls: reads complete from `onReadable`, writes continue from `onWritable`.
 * Memory is bounded by `capacity` (input) plus the caller's own pending write.
 */
export class ByteChannel {
  private readonly buffer: Uint8Array;
  private head = 0;
  private length = 0;
  private dropped = 0;
  private pending: PendingRead | undefined;
  private readonly writes: PendingWrite[] = [];
  private drainWaiters: Array<() => void> = [];
  private failure: Error | undefined;
  readonly serial: Serial;

  constructor(
    provider: SerialProvider,
    settings: UartSettings,
    private readonly timer: Timer,
    options: ByteChannelOptions = {},
  ) {
    this.buffer = new Uint8Array(options.capacity ?? 1024);
    this.serial = provider({
      ...settings,
      onReadable: () => this.pull(),
      onWritable: () => this.pump(),
      onError: (error) => this.fail(error),
    });
  }

  /** Bytes waiting in the channel. */
  get available(): number {
    return this.length;
  }

  configure(settings: UartSettings): void {
    this.serial.configure(settings);
  }

  /**
   * Resolve with exactly `count` bytes, or reject with ChannelTimeoutError (carrying what did arrive) when they
   * are not all there `timeoutMs` after the call. Only one read may be pending.
   */
  readExactly(count: number, timeoutMs: number): Promise<Uint8Array> {
    if (this.pending) return Promise.reject(new Error('ByteChannel: a read is already pending'));
    if (count > this.buffer.length) {
      return Promise.reject(
        new RangeError(`ByteChannel: read of ${count} exceeds capacity ${this.buffer.length}`),
      );
    }
    const early = this.takeFailure();
    if (early) return Promise.reject(early);
    if (this.length >= count) return Promise.resolve(this.take(count));
    return new Promise((resolve, reject) => {
      const timer = this.timer.set(() => {
        const pending = this.pending;
        if (!pending) return;
        this.pending = undefined;
        pending.reject(new ChannelTimeoutError(count, this.take(this.length), timeoutMs));
      }, timeoutMs);
      this.pending = { count, resolve, reject, timer, timeoutMs };
    });
  }

  /** Hand bytes to the serial port; resolves once all of them are accepted by it (not necessarily on the wire). */
  write(bytes: Bytes): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.writes.push({ bytes: asUint8(bytes), offset: 0, resolve, reject });
      if (this.writes.length === 1) this.pump();
    });
  }

  /** Resolves when every write so far has been accepted by the serial port. */
  drain(): Promise<void> {
    if (this.writes.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Discard every byte received so far (and waiting in the port), and forget an input overflow. */
  flushInput(): void {
    this.head = 0;
    this.length = 0;
    this.dropped = 0;
    while (this.serial.read() !== undefined) {
      // discard what the port still holds
    }
  }

  /** Fail the pending read and all later operations, e.g. on cancellation or when the port goes away. */
  fail(error: Error): void {
    this.failure = error;
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      this.timer.clear(pending.timer);
      pending.reject(error);
    }
    for (const write of this.writes.splice(0)) write.reject(error);
    this.resolveDrain();
  }

  /** Make a failed channel usable again (after a cancelled operation, the port itself being fine). */
  recover(): void {
    this.failure = undefined;
  }

  close(): void {
    this.fail(new ChannelClosedError('channel closed'));
    this.serial.close();
  }

  private pull(): void {
    for (;;) {
      const room = this.buffer.length - this.length;
      const chunk = this.serial.read(room > 0 ? room : 256);
      if (!chunk || chunk.length === 0) break;
      if (room === 0) {
        this.dropped += chunk.length;
        continue;
      }
      const tail = (this.head + this.length) % this.buffer.length;
      const first = Math.min(chunk.length, this.buffer.length - tail);
      this.buffer.set(chunk.subarray(0, first), tail);
      this.buffer.set(chunk.subarray(first), 0);
      this.length += chunk.length;
    }
    const pending = this.pending;
    if (!pending) return;
    if (this.dropped > 0) {
      this.pending = undefined;
      this.timer.clear(pending.timer);
      pending.reject(this.takeFailure()!);
    } else if (this.length >= pending.count) {
      this.pending = undefined;
      this.timer.clear(pending.timer);
      pending.resolve(this.take(pending.count));
    }
  }

  private takeFailure(): Error | undefined {
    if (this.failure) return this.failure;
    if (this.dropped > 0) {
      const error = new ChannelOverflowError(this.buffer.length, this.dropped);
      this.dropped = 0;
      return error;
    }
    return undefined;
  }

  private take(count: number): Uint8Array {
    const out = new Uint8Array(count);
    const first = Math.min(count, this.buffer.length - this.head);
    out.set(this.buffer.subarray(this.head, this.head + first));
    out.set(this.buffer.subarray(0, count - first), first);
    this.head = (this.head + count) % this.buffer.length;
    this.length -= count;
    return out;
  }

  private pump(): void {
    while (this.writes.length > 0) {
      const write = this.writes[0]!;
      while (write.offset < write.bytes.length) {
        const piece = write.bytes.subarray(write.offset);
        let accepted: number;
        try {
          accepted = this.offer(piece);
        } catch (error) {
          this.fail(error as Error);
          return;
        }
        if (accepted === 0) return; // wait for onWritable
        write.offset += accepted;
      }
      this.writes.shift();
      write.resolve();
    }
    this.resolveDrain();
  }

  /** Offer bytes to the port; returns how many it took. A port that would block takes none. */
  private offer(piece: Uint8Array): number {
    try {
      this.serial.write(piece);
      return piece.length;
    } catch (error) {
      if (!isWouldBlock(error)) throw error;
      const room = (error as WouldBlockError).room ?? 0;
      if (room <= 0) return 0;
      this.serial.write(piece.subarray(0, room));
      return room;
    }
  }

  private resolveDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * ECMA-419 `write()` throws when the output cannot take the bytes. Adapters signal this with an error whose
 * `code` is 'WOULD_BLOCK'; any other error is a real failure.
 */
export class WouldBlockError extends Error {
  readonly code = 'WOULD_BLOCK';
  constructor(readonly room: number) {
    super(`would block: ${room} byte(s) of output space`);
  }
}

function isWouldBlock(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'WOULD_BLOCK';
}
