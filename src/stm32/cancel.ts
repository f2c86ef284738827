/**
 * Cancellation for long bootloader jobs. XS (Moddable) has no AbortController, so airboot carries its own small
 * token: whoever started a job keeps the token and calls `cancel()`; the job checks it between exchanges and is
 * told at once through `onCancel` so a long wait (an erase can take 35 s) ends immediately.
 */
import { CancelledError } from '../io/errors.js';

export type CancelListener = (reason: Error) => void;

export class CancelToken {
  private why: Error | undefined;
  /** At most a handful: the job registers one listener per wait and removes it afterwards. */
  private listeners: CancelListener[] = [];

  /** True once `cancel()` was called. */
  get cancelled(): boolean {
    return this.why !== undefined;
  }

  /** The error the job ends with, once cancelled. */
  get reason(): Error | undefined {
    return this.why;
  }

  /** Ask the job to stop. Later calls do nothing. */
  cancel(reason: Error = new CancelledError('flash job')): void {
    if (this.why) return;
    this.why = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener(reason);
  }

  /** Throw the cancellation reason if cancelled. */
  throwIfCancelled(): void {
    if (this.why) throw this.why;
  }

  /**
   * Be told when the token is cancelled (at once if it already is). Returns a function that removes the listener.
   */
  onCancel(listener: CancelListener): () => void {
    if (this.why) {
      listener(this.why);
      return () => {};
    }
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }
}
