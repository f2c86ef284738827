import { performance } from 'node:perf_hooks';
import type { Timer, TimerHandle } from '../../io/contracts.js';

/**
 * How long before a deadline the timer stops trusting setTimeout and watches the clock itself, in ms. Node's
 * setTimeout rounds the delay down to whole milliseconds and fires up to ~1 ms late; a flash of 64 KiB waits on
 * hundreds of short timers (wire time, ACK waits in the simulator), so that slack would inflate every benchmark.
 */
export const SPIN_MARGIN_MS = 1.5;

interface Entry {
  /** Deadline on the performance.now() clock, ms. */
  readonly at: number;
  /** Order of creation: timers with equal deadlines fire first-in first-out. */
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A Timer on Node's event loop that fires close to its deadline: setTimeout covers the bulk of a wait, then a
 * setImmediate loop (which lets IO run between turns) watches performance.now() for the last SPIN_MARGIN_MS.
 * One queue for all timers keeps them in deadline order, which separate setTimeout calls do not guarantee
 * once their sub-millisecond parts are truncated.
 */
export class PreciseTimer implements Timer {
  private readonly queue: Entry[] = [];
  private seq = 0;
  private timeout: ReturnType<typeof setTimeout> | undefined;
  /** Deadline the armed setTimeout is heading for, ms. */
  private timeoutFor = Number.POSITIVE_INFINITY;
  private spinning = false;

  constructor(private readonly spinMarginMs = SPIN_MARGIN_MS) {}

  now(): number {
    return performance.now();
  }

  set(callback: () => void, ms: number): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const entry: Entry = { at: this.now() + delay, seq: this.seq++, callback, cancelled: false };
    this.queue.splice(this.insertionIndex(entry.at), 0, entry);
    this.arm();
    return entry;
  }

  clear(handle: TimerHandle): void {
    const entry = handle as Entry | undefined;
    if (!entry || entry.cancelled) return;
    entry.cancelled = true;
    const index = this.queue.indexOf(entry);
    if (index >= 0) this.queue.splice(index, 1);
    if (this.queue.length === 0) this.disarm();
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.queue.length;
  }

  /** First index whose deadline is later than `at` (so equal deadlines keep their creation order). */
  private insertionIndex(at: number): number {
    let low = 0;
    let high = this.queue.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.queue[mid]!.at <= at) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Make sure something will wake up in time for the earliest deadline. */
  private arm(): void {
    if (this.spinning) return;
    const first = this.queue[0];
    if (!first) {
      this.disarm();
      return;
    }
    const coarse = first.at - this.now() - this.spinMarginMs;
    if (coarse <= 0) {
      this.disarm();
      this.spinning = true;
      setImmediate(this.spin);
      return;
    }
    if (this.timeout !== undefined && this.timeoutFor <= first.at) return;
    this.disarm();
    this.timeoutFor = first.at;
    this.timeout = setTimeout(() => {
      this.timeout = undefined;
      this.timeoutFor = Number.POSITIVE_INFINITY;
      this.arm();
    }, Math.floor(coarse));
  }

  private disarm(): void {
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    this.timeout = undefined;
    this.timeoutFor = Number.POSITIVE_INFINITY;
  }

  /** One turn of the fine wait: fire everything due, in order, then decide how to wait for the rest. */
  private readonly spin = (): void => {
    // Timers set by these callbacks wait for the next turn, as with setTimeout(0), so IO gets its chance.
    const turnTime = this.now();
    const turnSeq = this.seq;
    for (;;) {
      const first = this.queue[0];
      if (!first || first.at > turnTime || first.seq >= turnSeq) break;
      this.queue.shift();
      first.cancelled = true;
      try {
        first.callback();
      } catch (error) {
        // Same fate as a throwing setTimeout callback (an uncaught exception), without starving later timers.
        process.nextTick(() => {
          throw error;
        });
      }
    }
    this.spinning = false;
    this.arm();
  };
}

/** The process-wide precise timer. */
export const nodeTimer: Timer = new PreciseTimer();
