/**
 * Server-Sent Events (HTML Living Standard §9.2, `text/event-stream`): a response that stays open and carries
 * events, e.g. flash progress. Slow clients do not make memory grow: an event that finds the output queue full
 * is dropped and counted (progress is superseded by the next event anyway).
 */
import type { Timer, TimerHandle } from '../../io/contracts.js';
import type { HeaderFields } from './response.js';
import type { ServerResponse } from './server-response.js';

export interface EventStreamOptions {
  /** Extra response fields. */
  headers?: HeaderFields;
  /**
   * Milliseconds between comment lines sent while no event goes out, so that proxies keep the stream and a dead
   * client is noticed by the TCP stack. 0 turns them off. Default 15000.
   */
  keepAliveMs?: number;
  /** Reconnection time (ms) the client should use, sent once as the `retry:` field (§9.2.6). */
  retryMs?: number;
}

export class EventStream {
  private timer: TimerHandle | undefined;
  private ended = false;
  private droppedEvents = 0;
  private readonly keepAliveMs: number;
  /** Called once when the client goes away before `close()`. */
  onClose: (() => void) | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly clock: Timer,
    options: EventStreamOptions,
  ) {
    this.keepAliveMs = options.keepAliveMs ?? 15000;
    response.onClose = () => {
      this.stop();
      this.onClose?.();
    };
    if (options.retryMs !== undefined) this.response.write(`retry: ${Math.round(options.retryMs)}\n\n`);
    this.arm();
  }

  /** Events dropped because the client did not keep up. */
  get dropped(): number {
    return this.droppedEvents;
  }

  /** Whether the stream is over (closed here, or the client went away). */
  get closed(): boolean {
    return this.ended || this.response.closed;
  }

  /**
   * Send one event: `event: name`, one `data:` line per line of `data`, optionally `id:` (§9.2.6). Returns false
   * when it was dropped (the output queue is full) or the stream is closed.
   */
  sendEvent(name: string, data: string, id?: string): boolean {
    if (/[\r\n]/.test(name) || (id !== undefined && /[\r\n]/.test(id))) {
      throw new RangeError('an event name or id cannot contain CR or LF');
    }
    let text = name ? `event: ${name}\n` : '';
    if (id !== undefined) text += `id: ${id}\n`;
    for (const line of data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
    return this.emit(`${text}\n`);
  }

  /** A comment line (ignored by clients, §9.2.6); useful as a keep-alive. */
  comment(text = ''): boolean {
    return this.emit(`:${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  /** End the stream (the response's body ends; the connection may carry another request). */
  close(): void {
    if (this.ended) return;
    this.stop();
    this.ended = true;
    this.response.end();
  }

  private emit(text: string): boolean {
    if (this.closed) return false;
    if (!this.response.writable) {
      this.droppedEvents++;
      this.arm();
      return false;
    }
    this.response.write(text);
    this.arm();
    return true;
  }

  private arm(): void {
    if (this.keepAliveMs <= 0 || this.closed) return;
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = this.clock.set(() => {
      this.timer = undefined;
      this.comment();
    }, this.keepAliveMs);
  }

  private stop(): void {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = undefined;
  }
}
