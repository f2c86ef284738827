/**
 * GET /ws/serial: a WebSocket terminal to the application UART (RFC 6455), one more client of the UartHub.
 * UART output goes to the browser as binary frames; notices (a flash job started or finished) as text frames;
 * every message from the browser, text or binary, goes to the UART as its bytes.
 *
 * A slow browser never stalls the UART: output waits in this terminal's bounded queue, and when that is full the
 * oldest bytes are dropped and counted in the hub's stats (`droppedBytes`). The queue is ours rather than the
 * connection's so that what is dropped is counted in UART bytes, not frames; the connection is handed one frame at
 * a time.
 *
 * Browser input is never thrown away for speed: it streams from the connection to the hub only as far as the hub's
 * bounded UART queue has room (`hub.writableBytes`). With no room the connection stops reading its socket, so TCP's
 * window holds the browser back however much it sends; a message larger than the room goes on in pieces as the
 * UART frees it. Input is refused (and counted by the hub) only when another client owns input ('exclusive').
 */
import type { Log, Timer, TimerHandle } from '../io/contracts.js';
import { silentLog } from '../io/contracts.js';
import type { RouteHandler } from '../net/http/router.js';
import type { ServerResponse } from '../net/http/server-response.js';
import type { WebSocketConnection } from '../net/websocket/connection.js';
import { WS_MAX_MESSAGE_BYTES } from '../net/websocket/frame-parser.js';
import type { UartClient, UartHub, UartSink } from './uart-hub.js';

/** "Try Again Later" (IANA WebSocket close code registry, RFC 6455 §11.7): the hub has no free client slot. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

export interface SerialTerminalOptions {
  hub: UartHub;
  timer: Timer;
  log?: Log;
  /** UART output held for a browser that does not keep up, bytes; beyond it the oldest is dropped. Default 8192. */
  queueBytes?: number;
  /** Most UART bytes in one frame. Default 1024. */
  frameBytes?: number;
  /** Notices held at most while the browser does not keep up. Default 4. */
  maxNotices?: number;
  /**
   * Largest message accepted from the browser, bytes (close 1009 above). A message streams to the UART as room
   * frees and is never held whole, so this bounds no buffer; a device may still pass less. Default 64 KiB.
   */
  maxMessageBytes?: number;
  /** Milliseconds of silence before the connection pings the browser. Default 30000. */
  pingIntervalMs?: number;
}

/** The route handler for GET /ws/serial. */
export function serialTerminalRoute(options: SerialTerminalOptions): RouteHandler {
  return ({ request }, response) => {
    openSerialTerminal(response, request.remoteAddress, options);
  };
}

/**
 * Accept the WebSocket handshake on `response` and attach the terminal to the hub. When the hub is full the
 * connection is closed at once with 1013 and the hub's reason. Returns the terminal (undefined when refused).
 */
export function openSerialTerminal(
  response: ServerResponse,
  remote: string,
  options: SerialTerminalOptions,
): SerialTerminal | undefined {
  const terminal = new SerialTerminal(options);
  const ws = response.upgradeWebSocket({
    timer: options.timer,
    log: options.log,
    maxMessageBytes: options.maxMessageBytes ?? WS_MAX_MESSAGE_BYTES,
    pingIntervalMs: options.pingIntervalMs ?? 30000,
    // One frame at a time (see the file comment): a limit of 1 byte makes any unsent rest count as "full", so the
    // connection reports onDrain exactly when it can take the next frame.
    maxQueuedBytes: 1,
    overflow: 'drop-newest',
    // Streamed: text and binary alike go to the UART as their bytes. A text message's bytes are checked UTF-8 as
    // they pass; one that turns out malformed closes the connection (1007) after its valid part went on.
    onData: (chunk) => terminal.fromBrowser(chunk),
    inputRoom: () => terminal.inputRoom(),
    onDrain: () => terminal.drained(),
    onClose: () => terminal.closed(),
  });
  return terminal.start(ws, remote) ? terminal : undefined;
}

type Outgoing = Uint8Array | string;

export class SerialTerminal implements UartSink {
  private ws: WebSocketConnection | undefined;
  private client: UartClient | undefined;
  private readonly log: Log;
  private readonly queueBytes: number;
  private readonly frameBytes: number;
  private readonly maxNotices: number;
  /** UART output (bytes) and notices (strings) in arrival order. */
  private outgoing: Outgoing[] = [];
  private outgoingBytes = 0;
  private outgoingNotices = 0;
  /** Ends the subscription to the hub's "room again" event. */
  private unsubscribe: (() => void) | undefined;
  private retryTimer: TimerHandle | undefined;
  private ended = false;
  private awaitingDrain = false;

  constructor(private readonly options: SerialTerminalOptions) {
    this.log = options.log ?? silentLog;
    this.queueBytes = options.queueBytes ?? 8192;
    this.frameBytes = options.frameBytes ?? 1024;
    this.maxNotices = options.maxNotices ?? 4;
  }

  /** The hub's counters for this terminal (undefined before it is attached or after it left). */
  get stats() {
    return this.client?.stats;
  }

  /** UART bytes waiting for the browser. */
  get queuedBytes(): number {
    return this.outgoingBytes;
  }

  /** @internal Attach to the hub; false (and the connection closed with 1013) when it is full. */
  start(ws: WebSocketConnection, remote: string): boolean {
    this.ws = ws;
    const attached = this.options.hub.attach('websocket', remote, this);
    if ('refused' in attached) {
      this.log('warn', `ws terminal: refused ${remote}: ${attached.refused}`);
      this.ended = true;
      ws.close(CLOSE_TRY_AGAIN_LATER, attached.refused);
      return false;
    }
    this.client = attached;
    // Input held for want of room in the UART queue is read again as soon as the port takes some of it.
    this.unsubscribe = this.options.hub.onWritable(() => this.roomFreed());
    return true;
  }

  // UartSink

  deliver(bytes: Uint8Array): void {
    if (this.ended) return;
    this.outgoing.push(bytes.slice());
    this.outgoingBytes += bytes.length;
    this.dropOverflow();
    this.flush();
  }

  notice(text: string): void {
    if (this.ended) return;
    this.outgoing.push(text);
    this.outgoingNotices++;
    this.dropOverflow();
    this.flush();
  }

  /** @internal Send queued output while the connection takes it, one frame at a time. */
  flush(): void {
    const ws = this.ws;
    if (!ws || this.ended) return;
    while (this.outgoing.length > 0 && ws.readyState === 'open' && ws.bufferedBytes === 0) {
      if (typeof this.outgoing[0] === 'string') {
        this.outgoingNotices--;
        ws.send(this.outgoing.shift() as string);
      } else {
        ws.send(this.takeFrame());
      }
      // The socket did not take all of it: the connection calls onDrain when it has.
      if (ws.bufferedBytes > 0) this.awaitingDrain = true;
    }
    // A ping or pong the connection queued also holds frames back, and brings no onDrain: look again shortly.
    if (
      this.outgoing.length > 0 &&
      !this.awaitingDrain &&
      ws.readyState === 'open' &&
      this.retryTimer === undefined
    ) {
      this.retryTimer = this.options.timer.set(() => {
        this.retryTimer = undefined;
        this.flush();
      }, 20);
    }
  }

  /** @internal The connection sent what it held. */
  drained(): void {
    this.awaitingDrain = false;
    this.flush();
  }

  /**
   * @internal How many more browser bytes the hub can take now. The connection gives `fromBrowser` no more than
   * this; at 0 it stops reading its socket until the hub says the UART took some of its queue. While a flash job
   * has the UART this is the room in the hub's hold buffer: typing meanwhile reaches the application after it.
   * Unlimited when the bytes have nowhere to go (not attached, or gone): they are discarded as they come.
   */
  inputRoom(): number {
    if (!this.client || this.ended) return Number.POSITIVE_INFINITY;
    return this.options.hub.writableBytes;
  }

  /** @internal Message bytes from the browser, within the room `inputRoom` gave: they go to the UART. */
  fromBrowser(bytes: Uint8Array): void {
    const client = this.client;
    if (!client || this.ended || bytes.length === 0) return;
    // 'refused' (another client owns input under 'exclusive') is counted by the hub.
    client.write(bytes);
  }

  /** @internal The connection is over: leave the hub. */
  closed(): void {
    this.ended = true;
    this.outgoing = [];
    this.outgoingBytes = 0;
    if (this.retryTimer !== undefined) this.options.timer.clear(this.retryTimer);
    this.retryTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.client?.detach();
    this.client = undefined;
  }

  /** The hub has room for client input again: read on if the connection held input back. */
  private roomFreed(): void {
    if (this.ended || !this.ws?.inputPaused) return;
    this.ws.resumeInput();
  }

  /** Up to `frameBytes` of queued UART output, joined into one frame. */
  private takeFrame(): Uint8Array {
    let size = 0;
    for (const item of this.outgoing) {
      if (typeof item === 'string' || size >= this.frameBytes) break;
      size += item.length;
    }
    const frame = new Uint8Array(Math.min(size, this.frameBytes));
    let at = 0;
    while (at < frame.length) {
      const head = this.outgoing[0] as Uint8Array;
      const take = Math.min(head.length, frame.length - at);
      frame.set(head.subarray(0, take), at);
      at += take;
      if (take === head.length) this.outgoing.shift();
      else this.outgoing[0] = head.subarray(take);
    }
    this.outgoingBytes -= frame.length;
    return frame;
  }

  /** Keep the queue within its bounds: drop the oldest output bytes (counted) and the oldest notices. */
  private dropOverflow(): void {
    let dropped = 0;
    for (let i = 0; i < this.outgoing.length && this.outgoingBytes > this.queueBytes; ) {
      const item = this.outgoing[i]!;
      if (typeof item === 'string') {
        i++;
        continue;
      }
      const excess = this.outgoingBytes - this.queueBytes;
      if (item.length <= excess) {
        this.outgoing.splice(i, 1);
        this.outgoingBytes -= item.length;
        dropped += item.length;
      } else {
        this.outgoing[i] = item.subarray(excess);
        this.outgoingBytes -= excess;
        dropped += excess;
      }
    }
    if (dropped > 0) this.client?.countDropped(dropped);
    while (this.outgoingNotices > this.maxNotices) {
      const at = this.outgoing.findIndex((item) => typeof item === 'string');
      this.outgoing.splice(at, 1);
      this.outgoingNotices--;
    }
  }
}
