/**
 * What an RFC 2217 session sends its client: UART data (IAC-doubled, RFC 854) and Telnet replies, in order,
 * through a bounded queue while the socket would block.
 *
 * Bounds: data is queued up to `capacity` wire bytes; what does not fit is dropped and counted (in UART bytes) and
 * never cut inside an IAC IAC pair, so the stream stays decodable. Replies and notifications are never dropped
 * (a client waits for its answer), but a client that keeps asking without reading can only hold
 * `capacity + CONTROL_SLACK_BYTES`; beyond that the connection is given up (`onFailed`).
 *
 * While the client has suspended the flow (RFC 2217 §5 FLOWCONTROL-SUSPEND) nothing is sent: data and
 * notifications wait in the queue (and drop beyond it), and the stall timer does not run.
 */
import type { TcpSocket, Timer, TimerHandle } from '../io/contracts.js';
import { escapeData } from '../net/telnet/index.js';

/** Room for replies beyond the data capacity, bytes: many answers (each at most ~12 bytes) to a client not reading. */
export const CONTROL_SLACK_BYTES = 1024;

const IAC = 0xff;
const CR = 0x0d;
const LF = 0x0a;

export interface TelnetOutputOptions {
  timer: Timer;
  /** Wire bytes of data held while the socket would block. */
  capacity: number;
  /** Give up on a client that took no output for this long while some was pending, ms; 0: never. */
  stallTimeoutMs: number;
  /** `count` UART bytes could not be queued for this client. */
  onDropped(count: number): void;
  /** The socket failed, stalled or overflowed with replies; called on a timer turn, never inside a send. */
  onFailed(reason: string): void;
}

interface Entry {
  bytes: Uint8Array;
  /** UART data (may be purged), as opposed to a Telnet reply. */
  data: boolean;
}

export class TelnetOutput {
  /** How 0xFF and CR are escaped: 'nvt' until the client agreed to receive BINARY (RFC 856). */
  mode: 'binary' | 'nvt' = 'nvt';
  private socket: TcpSocket | undefined;
  private queue: Entry[] = [];
  private queued = 0;
  /** The head entry was partly written (it cannot be purged any more). */
  private headStarted = false;
  private paused = false;
  private lastProgress = 0;
  private stallTimer: TimerHandle | undefined;
  private failed = false;

  constructor(private readonly options: TelnetOutputOptions) {}

  attach(socket: TcpSocket): void {
    this.socket = socket;
  }

  /** Wire bytes waiting for the socket. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** FLOWCONTROL-SUSPEND (true) / RESUME (false). */
  set suspended(on: boolean) {
    if (on === this.paused) return;
    this.paused = on;
    if (on) {
      this.stopStallWatch();
    } else {
      this.lastProgress = this.options.timer.now();
      this.flush();
    }
  }

  get suspended(): boolean {
    return this.paused;
  }

  /** UART bytes for the client, escaped; what does not fit is dropped and counted. */
  sendData(data: Uint8Array): void {
    if (this.failed || data.length === 0) return;
    const room = this.options.capacity - this.queued;
    const fits = escapedPrefix(data, Math.max(0, room), this.mode);
    if (fits < data.length) this.options.onDropped(data.length - fits);
    if (fits > 0) this.enqueue(escapeData(data.subarray(0, fits), this.mode), true);
  }

  /** A Telnet reply or notification (already encoded). */
  sendControl(bytes: Uint8Array): void {
    if (this.failed || bytes.length === 0) return;
    if (this.queued + bytes.length > this.options.capacity + CONTROL_SLACK_BYTES) {
      this.fail(`client read none of its last ${this.queued} byte(s) of answers and data`);
      return;
    }
    this.enqueue(bytes, false);
  }

  /** Drop UART data not yet written (PURGE-DATA receive); replies stay. */
  purgeData(): void {
    const keep: Entry[] = [];
    this.queue.forEach((entry, index) => {
      if (!entry.data || (index === 0 && this.headStarted)) keep.push(entry);
      else this.queued -= entry.bytes.length;
    });
    this.queue = keep;
    if (this.queue.length === 0) this.stopStallWatch();
  }

  /** The socket has room again. */
  flush(): void {
    const socket = this.socket;
    if (!socket || this.paused || this.failed) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const written = this.offer(socket, head.bytes);
      if (this.failed) return;
      this.queued -= written;
      if (written < head.bytes.length) {
        head.bytes = head.bytes.subarray(written);
        if (written > 0) this.headStarted = true;
        this.watchStall();
        return;
      }
      this.queue.shift();
      this.headStarted = false;
    }
    this.stopStallWatch();
  }

  /** Forget everything (the connection ended). */
  close(): void {
    this.failed = true;
    this.queue = [];
    this.queued = 0;
    this.stopStallWatch();
  }

  private enqueue(bytes: Uint8Array, data: boolean): void {
    if (this.queue.length === 0) this.lastProgress = this.options.timer.now();
    // Copy: `bytes` may be a view into a buffer its producer reuses (the hub's read, the decoder's chunk).
    this.queue.push({ bytes: bytes.slice(), data });
    this.queued += bytes.length;
    this.flush();
  }

  /** Write what the socket takes now; returns how many bytes it took. */
  private offer(socket: TcpSocket, bytes: Uint8Array): number {
    try {
      socket.write(bytes);
      this.lastProgress = this.options.timer.now();
      return bytes.length;
    } catch (error) {
      if ((error as { code?: string }).code !== 'WOULD_BLOCK') {
        this.fail(`write failed: ${(error as Error).message}`);
        return 0;
      }
      const room = Math.min((error as { room?: number }).room ?? 0, bytes.length);
      if (room <= 0) return 0;
      socket.write(bytes.subarray(0, room));
      this.lastProgress = this.options.timer.now();
      return room;
    }
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.close();
    // Not now: this may run inside the hub's loop over its clients, which the detach that follows would disturb.
    this.options.timer.set(() => this.options.onFailed(reason), 0);
  }

  private watchStall(): void {
    const timeout = this.options.stallTimeoutMs;
    if (timeout <= 0 || this.stallTimer !== undefined || this.paused || this.failed) return;
    const timer = this.options.timer;
    this.stallTimer = timer.set(
      () => {
        this.stallTimer = undefined;
        if (this.queued === 0 || this.paused || this.failed) return;
        const idle = timer.now() - this.lastProgress;
        if (idle >= timeout) {
          this.fail(`took no output for ${Math.round(idle / 1000)} s with ${this.queued} byte(s) pending`);
        } else {
          this.watchStall();
        }
      },
      Math.max(1, timeout - (timer.now() - this.lastProgress)),
    );
  }

  private stopStallWatch(): void {
    if (this.stallTimer !== undefined) this.options.timer.clear(this.stallTimer);
    this.stallTimer = undefined;
  }
}

/**
 * How many leading bytes of `data` escape (escapeData, same mode) into at most `room` wire bytes. 0xFF takes two
 * (IAC IAC); in 'nvt' mode a CR not followed by LF takes two (CR NUL), and so does a CR that ends the prefix.
 */
export function escapedPrefix(data: Uint8Array, room: number, mode: 'binary' | 'nvt'): number {
  let size = 0;
  for (let i = 0; i < data.length; i++) {
    const byte = data[i]!;
    const double = byte === IAC || (mode === 'nvt' && byte === CR && data[i + 1] !== LF);
    const cost = double ? 2 : 1;
    if (size + cost > room) return i;
    // A CR LF cut after the CR is escaped as CR NUL: it needs the extra byte too.
    if (mode === 'nvt' && byte === CR && !double && size + 2 > room) return i;
    size += cost;
  }
  return data.length;
}
