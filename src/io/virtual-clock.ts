import type { Timer, TimerHandle } from './contracts.js';

interface Scheduled {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A Timer whose time moves only when told to: tests (and the XS engine, which has no timers) run timed protocol
 * code deterministically and as fast as the CPU allows. `run(promise)` advances to each next timer whenever the
 * job queue has gone quiet, until the promise settles.
 */
export class VirtualClock implements Timer {
  private time = 0;
  private nextId = 1;
  private queue: Scheduled[] = [];

  now(): number {
    return this.time;
  }

  set(callback: () => void, ms: number): TimerHandle {
    const entry = { id: this.nextId++, at: this.time + Math.max(0, ms), callback };
    // Keep the queue sorted by time, and first-in first-out among equal times.
    let index = this.queue.length;
    while (index > 0 && this.queue[index - 1]!.at > entry.at) index--;
    this.queue.splice(index, 0, entry);
    return entry.id;
  }

  clear(handle: TimerHandle): void {
    const index = this.queue.findIndex((entry) => entry.id === handle);
    if (index >= 0) this.queue.splice(index, 1);
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.queue.length;
  }

  /** Fire the earliest timer, moving time to it; false when none is scheduled. */
  fireNext(): boolean {
    const entry = this.queue.shift();
    if (!entry) return false;
    this.time = Math.max(this.time, entry.at);
    entry.callback();
    return true;
  }

  /** Fire every timer due within the next `ms`, then stand at now + ms. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    await settle();
    while (this.queue.length > 0 && this.queue[0]!.at <= until) {
      this.fireNext();
      await settle();
    }
    this.time = until;
  }

  /**
   * Settle `work`, letting time jump to the next timer whenever nothing else is left to do. Rejects if the work
   * is still pending with no timer left (it could never finish), or after `maxSteps` timers.
   */
  async run<T>(work: Promise<T>, maxSteps = 10_000_000): Promise<T> {
    let done = false;
    const watched = work.then(
      (value) => {
        done = true;
        return value;
      },
      (error: unknown) => {
        done = true;
        throw error;
      },
    );
    watched.catch(() => {});
    for (let steps = 0; ; steps++) {
      await settle();
      if (done) return watched;
      if (steps >= maxSteps) throw new Error(`VirtualClock.run: still pending after ${maxSteps} timers`);
      if (!this.fireNext()) throw new Error('VirtualClock.run: work is pending but no timer is scheduled');
    }
  }
}

/**
 * Let pending promise jobs run. Portable code has no setImmediate, so this yields to the job queue a fixed number
 * of times; chains deeper than that see time move early, which only makes a test stricter about timeouts.
 */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 64; turn++) await null;
}
