/**
 * One WebSocket connection after the opening handshake (RFC 6455 §5–§7), over the TCP connection the HTTP server
 * handed over: messages in (collected up to a bound, or streamed), messages out through a bounded queue with a
 * drop policy, pings answered, pings sent to find half-open peers, the closing handshake, and protocol errors
 * answered with the parser's close code.
 *
 * Input has flow control when the application asks for it (`inputRoom`): the connection hands the parser no more
 * bytes than the application can take, and when it can take none the bytes stay in the socket, so TCP's window
 * holds the peer back (RFC 9293 §3.8.6) instead of a queue here growing or input being thrown away.
 */
import type { Log, Timer, TimerHandle } from '../../io/contracts.js';
import { silentLog } from '../../io/contracts.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import type { QueuedPiece, SocketWriter } from '../http/socket-writer.js';
import type { WsError } from './errors.js';
import { CloseCode, encodeCloseFrame, encodeFrame, Opcode } from './frame.js';
import { WebSocketFrameParser, WS_MAX_MESSAGE_BYTES } from './frame-parser.js';

/** What a WebSocketConnection needs from the TCP connection under it. */
export interface WebSocketTransport {
  /** The connection's bounded output queue. */
  readonly writer: SocketWriter;
  /** Close the TCP connection once the queued output has gone. */
  close(): void;
  /** Close the TCP connection now, dropping queued output. */
  destroy(): void;
  /** Read the socket again: input had stopped for lack of room (`WebSocketConnection.receive` took less than all). */
  resume(): void;
  readonly remoteAddress: string;
}

/** What to do with a message when the output queue is full. */
export type OverflowPolicy = 'close' | 'drop-oldest' | 'drop-newest';

export interface WebSocketConnectionOptions {
  timer: Timer;
  log?: Log;
  /** Largest incoming message in bytes → close 1009 (RFC 6455 §7.4.1). Default 64 KiB; a device passes less. */
  maxMessageBytes?: number;
  /** Output bytes that may wait unsent. Default 16384. */
  maxQueuedBytes?: number;
  /**
   * When a message does not fit the output queue: 'close' the connection (default), 'drop-oldest' queued
   * messages not yet started (a terminal: the newest output matters most), or 'drop-newest' (this message).
   * Dropped messages are counted in `droppedMessages`/`droppedBytes`. Control frames are never dropped.
   */
  overflow?: OverflowPolicy;
  /** Milliseconds of silence from the peer after which a ping is sent; 0 never pings. Default 30000. */
  pingIntervalMs?: number;
  /** Milliseconds to wait for any answer to a ping before dropping the connection as dead. Default 10000. */
  pongTimeoutMs?: number;
  /** Milliseconds to wait for the peer's close frame (and the output to go) before closing the TCP connection. Default 5000. */
  closeTimeoutMs?: number;
  /** A complete message: text as a string, binary as bytes. Not called when `onData` streams messages. */
  onMessage?(data: string | Uint8Array, binary: boolean): void;
  /** Streaming instead of collecting: a message begins (`Opcode.Text` or `Opcode.Binary`). */
  onMessageStart?(opcode: number): void;
  /** Streaming: message bytes as they arrive (a text message's bytes are already checked UTF-8). */
  onData?(chunk: Uint8Array): void;
  /** Streaming: the message is complete. */
  onMessageEnd?(): void;
  /** The connection is over: the peer's or our close code, 1006 when it was lost without a close frame. Once. */
  onClose?(code: number, reason: string): void;
  /** The peer broke the protocol (the connection is then closed with `error.closeCode`). */
  onError?(error: WsError): void;
  /** The output queue went below its limit after being full. */
  onDrain?(): void;
  /**
   * Flow control of input: how many more message bytes the application can take now. While the connection is
   * open it feeds the parser at most this many bytes at a time (frame headers count too, so `onData` or
   * `onMessage` never get more than the room given), and at 0 it takes no more bytes from the socket until the
   * application calls `resumeInput()` (or more bytes arrive and the room is asked again). Meanwhile pings and the
   * close frame wait unread behind the data, as TCP orders them. Absent: no limit.
   */
  inputRoom?(): number;
}

type State = 'open' | 'closing' | 'closed';

export class WebSocketConnection {
  private state: State = 'open';
  private readonly parser: WebSocketFrameParser;
  private readonly timer: Timer;
  private readonly log: Log;
  private readonly overflow: OverflowPolicy;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly streaming: boolean;
  // The message being collected (when not streaming): the parser hands over fresh copies, kept as they are.
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  private messageOpcode = 0;
  private closeSent = false;
  private lastHeard: number;
  private awaitingPong = false;
  private pingTimer: TimerHandle | undefined;
  private closeTimer: TimerHandle | undefined;
  private pongPiece: QueuedPiece | undefined;
  private wasFull = false;
  private dropped = 0;
  private droppedByteCount = 0;
  /** The last receive() stopped for lack of room: bytes wait in the transport. */
  private held = false;

  constructor(
    private readonly transport: WebSocketTransport,
    private readonly options: WebSocketConnectionOptions,
  ) {
    this.timer = options.timer;
    this.log = options.log ?? silentLog;
    this.overflow = options.overflow ?? 'close';
    this.pingIntervalMs = options.pingIntervalMs ?? 30000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.streaming = options.onData !== undefined;
    transport.writer.limit = options.maxQueuedBytes ?? 16384;
    this.lastHeard = this.timer.now();
    this.parser = new WebSocketFrameParser({
      maxMessageBytes: options.maxMessageBytes ?? WS_MAX_MESSAGE_BYTES,
      onMessageStart: (opcode) => this.messageStart(opcode),
      onData: (chunk) => this.data(chunk),
      onMessageEnd: () => this.messageEnd(),
      onPing: (data) => this.pong(data),
      onPong: () => {
        this.awaitingPong = false;
      },
      onClose: (code, reason) => this.peerClose(code, reason),
      onError: (error) => this.protocolError(error),
    });
    this.armPing(this.pingIntervalMs);
  }

  /** 'open', 'closing' (close frame sent, waiting for the peer's), or 'closed'. */
  get readyState(): State {
    return this.state;
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  /** Output bytes waiting to be sent. */
  get bufferedBytes(): number {
    return this.transport.writer.queued;
  }

  /** Whether input is held back: the application had no room, and unread bytes wait in the socket. */
  get inputPaused(): boolean {
    return this.held;
  }

  /** Messages dropped by the overflow policy. */
  get droppedMessages(): number {
    return this.dropped;
  }

  /** Bytes (whole frames) dropped by the overflow policy. */
  get droppedBytes(): number {
    return this.droppedByteCount;
  }

  /**
   * Send a text (string) or binary (bytes) message. Returns false when it was not queued: the connection is not
   * open, or the queue was full and the policy dropped it (or closed the connection).
   */
  send(data: string | Uint8Array): boolean {
    if (this.state !== 'open') return false;
    const frame = encodeFrame(typeof data === 'string' ? Opcode.Text : Opcode.Binary, data);
    const writer = this.transport.writer;
    if (!this.fits(frame.length)) {
      if (this.overflow === 'close') {
        this.log('warn', `ws: ${this.remoteAddress}: output queue over ${writer.limit} bytes, closing`);
        this.terminate(CloseCode.Abnormal, 'output queue overflow');
        return false;
      }
      if (this.overflow === 'drop-oldest') {
        const gone = writer.dropOldest(frame.length);
        this.dropped += gone.pieces;
        this.droppedByteCount += gone.bytes;
      }
      if (!this.fits(frame.length)) {
        this.dropped++;
        this.droppedByteCount += frame.length;
        this.wasFull = true;
        return false;
      }
    }
    writer.write(frame, true);
    if (writer.full) this.wasFull = true;
    return true;
  }

  /** Send a ping (RFC 6455 §5.5.2) with up to 125 bytes of data. */
  ping(data: Uint8Array | string = new Uint8Array(0)): void {
    if (this.state !== 'open') return;
    this.transport.writer.write(encodeFrame(Opcode.Ping, data));
  }

  /**
   * Start the closing handshake (RFC 6455 §7.1.2): send a close frame, wait for the peer's (at most
   * `closeTimeoutMs`), then close the TCP connection.
   */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.state !== 'open') return;
    this.sendClose(code, reason);
    this.state = 'closing';
    this.clearPing();
    this.closeTimer = this.timer.set(
      () => this.terminate(CloseCode.Abnormal, 'no close frame from the peer'),
      this.closeTimeoutMs,
    );
    // Input no longer waits for the application's room: read on to find the peer's close frame.
    if (this.held) this.transport.resume();
  }

  /** Drop the connection without a closing handshake; `onClose` gets `code`. */
  terminate(code: number = CloseCode.Abnormal, reason = 'terminated'): void {
    if (this.state === 'closed') return;
    this.finish(code, reason);
    this.transport.destroy();
  }

  // Called by the owner of the TCP connection.

  /**
   * Bytes received on the TCP connection. Returns how many were taken: fewer than all when the application has
   * no room (`inputRoom`); the transport keeps the rest, stops reading the socket, and offers them again on
   * `resume()` or when more bytes arrive. Bytes after the peer's close frame or a protocol error are taken and
   * ignored.
   */
  receive(bytes: Uint8Array): number {
    this.held = false;
    if (this.state === 'closed') return bytes.length;
    let at = 0;
    try {
      while (at < bytes.length && (this.state as State) !== 'closed') {
        const room = this.roomForInput();
        if (room <= 0) {
          this.held = true;
          break;
        }
        const piece = room >= bytes.length - at ? bytes.subarray(at) : bytes.subarray(at, at + room);
        const taken = this.parser.push(piece);
        at += piece.length;
        // The parser stops at a close frame or an error: what follows is not the application's (RFC 6455 §5.5.1).
        if (taken < piece.length) at = bytes.length;
      }
    } catch (error) {
      // A callback of ours (the application's) threw: RFC 6455 §7.4.1 1011, the server cannot go on.
      this.log('error', `ws: ${this.remoteAddress}: message handler failed: ${(error as Error).message}`);
      if ((this.state as State) !== 'closed')
        this.failWith(CloseCode.InternalError, 'message handler failed');
      return bytes.length;
    }
    if (at > 0) {
      this.lastHeard = this.timer.now();
      this.awaitingPong = false;
    }
    return (this.state as State) === 'closed' ? bytes.length : at;
  }

  /** The application has room for input again: have the transport offer what waits in the socket. */
  resumeInput(): void {
    if (this.state === 'closed' || !this.held) return;
    this.transport.resume();
  }

  /** The TCP connection took queued output. */
  writable(): void {
    if (this.state === 'closed') return;
    if (this.wasFull && !this.transport.writer.full) {
      this.wasFull = false;
      this.options.onDrain?.();
    }
  }

  /** The TCP connection is gone. */
  transportClosed(): void {
    if (this.state === 'closed') return;
    this.finish(CloseCode.Abnormal, 'connection lost');
  }

  // Internals

  /** Bytes the parser may have now: the application's room while open; after our close frame, no limit. */
  private roomForInput(): number {
    const room = this.options.inputRoom;
    if (!room || this.state !== 'open') return Number.POSITIVE_INFINITY;
    return room();
  }

  private fits(length: number): boolean {
    const writer = this.transport.writer;
    return writer.queued === 0 || writer.queued + length <= writer.limit;
  }

  private messageStart(opcode: number): void {
    if (this.streaming) {
      this.options.onMessageStart?.(opcode);
      return;
    }
    this.messageOpcode = opcode;
    this.parts = [];
    this.partBytes = 0;
  }

  private data(chunk: Uint8Array): void {
    if (this.streaming) {
      if (this.state === 'open') this.options.onData!(chunk);
      return;
    }
    // Bounded by maxMessageBytes: the parser refuses a message over it before its bytes arrive.
    this.parts.push(chunk);
    this.partBytes += chunk.length;
  }

  private messageEnd(): void {
    if (this.streaming) {
      if (this.state === 'open') this.options.onMessageEnd?.();
      return;
    }
    const parts = this.parts;
    this.parts = [];
    let message: Uint8Array;
    if (parts.length === 1) message = parts[0]!;
    else {
      message = new Uint8Array(this.partBytes);
      let at = 0;
      for (const part of parts) {
        message.set(part, at);
        at += part.length;
      }
    }
    this.partBytes = 0;
    // After our close frame, data is no longer the application's business (RFC 6455 §7.1.2).
    if (this.state !== 'open') return;
    const binary = this.messageOpcode === Opcode.Binary;
    this.options.onMessage?.(binary ? message : decodeUtf8(message), binary);
  }

  /** Answer a ping with a pong carrying its data (RFC 6455 §5.5.2); only the latest unsent pong is kept (§5.5.3). */
  private pong(data: Uint8Array): void {
    if (this.closeSent || this.state === 'closed') return;
    const writer = this.transport.writer;
    if (this.pongPiece) writer.remove(this.pongPiece);
    this.pongPiece = writer.write(encodeFrame(Opcode.Pong, data));
  }

  /** The peer's close frame (RFC 6455 §5.5.1): echo its code unless we sent ours, then close the TCP connection. */
  private peerClose(code: number, reason: string): void {
    if (!this.closeSent) {
      // 1005 means "no status": answer with an empty close frame, 1005 may not be sent (§7.4.1).
      if (code === CloseCode.NoStatus) this.transport.writer.write(encodeFrame(Opcode.Close));
      else this.sendClose(code, '');
    }
    this.finish(code, reason);
    // The server closes the TCP connection first (RFC 6455 §7.1.1).
    this.transport.close();
  }

  private protocolError(error: WsError): void {
    this.log('info', `ws: ${this.remoteAddress}: ${error.code} ${error.message}`);
    try {
      this.options.onError?.(error);
    } finally {
      this.failWith(error.closeCode, error.code);
    }
  }

  /** Fail the connection (RFC 6455 §7.1.7): a close frame with `code`, then close without waiting. */
  private failWith(code: number, reason: string): void {
    if (this.state === 'closed') return;
    if (!this.closeSent) this.sendClose(code, reason);
    this.finish(code, reason);
    this.transport.close();
  }

  private sendClose(code: number, reason: string): void {
    this.closeSent = true;
    this.transport.writer.write(encodeCloseFrame(code, reason.length > 100 ? reason.slice(0, 100) : reason));
  }

  private finish(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearPing();
    if (this.closeTimer !== undefined) this.timer.clear(this.closeTimer);
    this.closeTimer = undefined;
    this.parts = [];
    this.options.onClose?.(code, reason);
  }

  // Liveness (RFC 6455 §5.5.2: a ping "may serve either as a keepalive or as a means to verify that the remote
  // endpoint is still responsive").

  private armPing(ms: number): void {
    if (this.pingIntervalMs <= 0 || this.state !== 'open') return;
    this.pingTimer = this.timer.set(() => this.pingDue(), Math.max(0, ms));
  }

  private clearPing(): void {
    if (this.pingTimer !== undefined) this.timer.clear(this.pingTimer);
    this.pingTimer = undefined;
  }

  private pingDue(): void {
    this.pingTimer = undefined;
    if (this.state !== 'open') return;
    const silent = this.timer.now() - this.lastHeard;
    // While input is held the peer's bytes (a pong among them) wait unread behind data we cannot take yet:
    // silence proves nothing then. TCP keep-alive still finds a peer that vanished.
    if (this.held) {
      this.armPing(this.pingIntervalMs);
      return;
    }
    if (silent < this.pingIntervalMs) {
      this.armPing(this.pingIntervalMs - silent);
      return;
    }
    this.awaitingPong = true;
    this.ping();
    this.pingTimer = this.timer.set(() => {
      this.pingTimer = undefined;
      if (this.state !== 'open') return;
      if (this.awaitingPong && !this.held) {
        this.log('info', `ws: ${this.remoteAddress}: no answer to a ping in ${this.pongTimeoutMs} ms`);
        this.terminate(CloseCode.Abnormal, 'no pong');
        return;
      }
      this.armPing(this.pingIntervalMs);
    }, this.pongTimeoutMs);
  }
}
