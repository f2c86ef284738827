/**
 * A portable HTTP/1.1 server over the Listener contract (RFC 9112): one HttpRequestParser per connection,
 * keep-alive and pipelining (§9.3), streamed request bodies with backpressure, streamed responses through a
 * bounded output queue, a connection limit and an idle timeout. Memory per connection is bounded by
 * `readChunkBytes` (input not yet parsed) + the parser's line buffer + `maxOutputBytes` (+ one write).
 *
 *   const server = new HttpServer({ listen: nodeListener, port: 8080, timer, handler: router.handler });
 */
import type { Listener, ListenerProvider, Log, TcpSocket, Timer, TimerHandle } from '../../io/contracts.js';
import { silentLog } from '../../io/contracts.js';
import { WebSocketConnection, type WebSocketConnectionOptions } from '../websocket/connection.js';
import { HttpError } from './errors.js';
import { listHas } from './field-syntax.js';
import { type HttpRequestHead, type HttpRequestLimits, HttpRequestParser } from './request-parser.js';
import { errorResponse, jsonResponse } from './response.js';
import { type ResponseHost, ServerResponse } from './server-response.js';
import { SocketWriter } from './socket-writer.js';

/** Where a handler sends the request body. */
export interface BodySink {
  /**
   * Body bytes as they arrive: a view into the input, copy to keep. Return a promise to hold further input (the
   * socket is not read) until it settles — e.g. while the bytes are written to flash.
   */
  onData(chunk: Uint8Array): void | Promise<void>;
  /** The body is complete. */
  onEnd?(): void;
  /** The body will not complete: the client went away or broke the framing. */
  onAbort?(error: Error): void;
}

/** Handles one request. Throwing (or rejecting with) an HttpError answers it with that status. */
export type RequestHandler = (request: ServerRequest, response: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  /** Opens the listening socket (nodeListener on Node, the device's Listener on XS). */
  listen: ListenerProvider;
  /** TCP port; 0 asks for a free one (see `port`). */
  port: number;
  host?: string;
  timer: Timer;
  log?: Log;
  handler: RequestHandler;
  /** Most connections served at once; more are answered 503 and closed. Default 8. */
  maxConnections?: number;
  /** Milliseconds a connection may wait on its client (request bytes, or room for output) before closing. Default 30000. */
  idleTimeoutMs?: number;
  /** Request parser limits (line lengths, header size, body size). */
  limits?: Partial<HttpRequestLimits>;
  /** Output bytes that may wait per connection before `write()` says stop. Default 8192. */
  maxOutputBytes?: number;
  /** Most bytes read from a socket at a time (the input held per connection). Default 2048. */
  readChunkBytes?: number;
}

const CONTINUE = Uint8Array.of(
  // "HTTP/1.1 100 Continue\r\n\r\n" (RFC 9110 §15.2.1)
  ...Array.from('HTTP/1.1 100 Continue\r\n\r\n', (c) => c.charCodeAt(0)),
);

const NO_BYTES = new Uint8Array(0);

export class HttpServer {
  readonly timer: Timer;
  readonly log: Log;
  readonly handler: RequestHandler;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  readonly limits: Partial<HttpRequestLimits>;
  readonly maxOutputBytes: number;
  readonly readChunkBytes: number;
  /** The listening socket (on Node, a NodeListener: await its `listening` before reading `port` when given 0). */
  readonly listener: Listener;
  private readonly open = new Set<HttpConnection>();
  private closing = false;
  private refused = 0;

  constructor(options: HttpServerOptions) {
    this.timer = options.timer;
    this.log = options.log ?? silentLog;
    this.handler = options.handler;
    this.maxConnections = options.maxConnections ?? 8;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30000;
    this.limits = options.limits ?? {};
    this.maxOutputBytes = options.maxOutputBytes ?? 8192;
    this.readChunkBytes = options.readChunkBytes ?? 2048;
    this.listener = options.listen({
      port: options.port,
      ...(options.host === undefined ? {} : { host: options.host }),
      onReadable: () => this.acceptWaiting(),
      onError: (error) => this.log('error', `http: listener failed: ${error.message}`),
    });
  }

  /** The port bound. */
  get port(): number {
    return this.listener.port;
  }

  /** Connections open now (HTTP or upgraded to WebSocket). */
  get connections(): number {
    return this.open.size;
  }

  /** Connections refused with 503 because `maxConnections` were open. */
  get refusedConnections(): number {
    return this.refused;
  }

  /** Whether the server is shutting down (responses say `Connection: close`). */
  get shuttingDown(): boolean {
    return this.closing;
  }

  /** Bytes the server holds for all connections: unparsed input, parser line buffers, queued output. */
  get bufferedBytes(): number {
    let total = 0;
    for (const connection of this.open) total += connection.bufferedBytes;
    return total;
  }

  /** Stop listening; idle connections close now, busy ones after their current response. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.listener.close();
    for (const connection of [...this.open]) connection.shutdown();
  }

  /** @internal */
  forget(connection: HttpConnection): void {
    this.open.delete(connection);
  }

  /**
   * Full: close the connection that has held no request for the longest, if there is one, to make room. A client
   * that opens connections and sends nothing (or parks keep-alive ones) would otherwise lock everyone else out
   * until the idle timeout; an idle connection may be closed at any time (RFC 9112 §9.5). Busy ones are kept.
   */
  private evictIdlest(): void {
    let idlest: HttpConnection | undefined;
    for (const connection of this.open) {
      const since = connection.idleSince();
      if (since !== undefined && (idlest === undefined || since < idlest.idleSince()!)) idlest = connection;
    }
    if (!idlest) return;
    this.log('info', 'http: all connections in use; closing the one idle the longest');
    idlest.evict();
  }

  private acceptWaiting(): void {
    for (;;) {
      const connection = new HttpConnection(this);
      const socket = this.listener.accept(connection.callbacks);
      if (!socket) return;
      if (!this.closing && this.open.size >= this.maxConnections) this.evictIdlest();
      if (this.closing || this.open.size >= this.maxConnections) {
        this.refused++;
        connection.refuse(socket);
        continue;
      }
      this.open.add(connection);
      connection.start(socket);
    }
  }
}

/** The request half of an exchange, as a handler sees it. */
export class ServerRequest {
  /** @internal */ mode: 'undecided' | 'sink' | 'discard' = 'undecided';
  /** @internal */ sink: BodySink | undefined;
  /** @internal */ complete = false;
  /** @internal Why the body will never come, once the connection is gone. */ aborted: Error | undefined;

  constructor(
    readonly head: HttpRequestHead,
    readonly remoteAddress: string,
    private readonly connection: HttpConnection,
  ) {}

  /** Whether the request has a body to read (a Content-Length above 0, or chunked). */
  get hasBody(): boolean {
    return this.head.chunked || (this.head.contentLength ?? 0) > 0;
  }

  /**
   * Receive the body through `sink`. Until a handler calls this (or `discard`, or ends its response), the
   * connection reads nothing more, so a handler may first check things asynchronously. Sends `100 Continue` to a
   * client that waits for it (RFC 9110 §10.1.1).
   */
  read(sink: BodySink): void {
    if (this.mode !== 'undecided')
      throw new Error(`request body already ${this.mode === 'sink' ? 'read' : 'discarded'}`);
    this.mode = 'sink';
    this.sink = sink;
    if (this.aborted) sink.onAbort?.(this.aborted);
    else if (this.complete)
      sink.onEnd?.(); // a request without a body, already parsed to its end
    else this.connection.bodyWanted(this);
  }

  /** Throw the body away as it arrives. */
  discard(): void {
    if (this.mode !== 'undecided') return;
    this.mode = 'discard';
    this.connection.bodyWanted(this);
  }
}

interface Exchange {
  request: ServerRequest;
  response: ServerResponse;
  responseDone: boolean;
  keepAlive: boolean;
  /** A promise from the body sink is pending: input is held. */
  sinkBusy: boolean;
  /** The client asked for `100 Continue` before sending the body, and has not had it yet. */
  awaitingContinue: boolean;
  /** The server answered in the handler's place (a parse error, a failed handler): the handler must hear of it. */
  takenOver: boolean;
}

type ConnectionState = 'new' | 'http' | 'closing' | 'upgraded' | 'closed';

/** One accepted TCP connection, from HTTP requests to (possibly) a WebSocket. */
class HttpConnection implements ResponseHost {
  readonly timer: Timer;
  // Assigned in start()/refuse(), before any callback can use them.
  writer!: SocketWriter;
  private socket: TcpSocket | undefined;
  private readonly parser: HttpRequestParser;
  private state: ConnectionState = 'new';
  /** Input read from the socket and not yet consumed by the parser (at most readChunkBytes). */
  private input: Uint8Array | undefined;
  private paused = false;
  private pumping = false;
  private pumpAgain = false;
  private peerEnded = false;
  private exchange: Exchange | undefined;
  private idleTimer: TimerHandle | undefined;
  private lastActivity = 0;
  private webSocket: WebSocketConnection | undefined;
  /** Close as soon as the output queue is empty. */
  private closeAfterFlush = false;

  readonly callbacks = {
    onReadable: () => this.pump(),
    onWritable: () => this.writable(),
    onClose: () => this.peerClosed(),
    onError: (error: Error) => this.fail(error),
  };

  constructor(private readonly server: HttpServer) {
    this.timer = server.timer;
    this.parser = new HttpRequestParser({
      ...server.limits,
      onHead: (head) => this.onHead(head),
      onBody: (chunk) => this.onBody(chunk),
      onEnd: () => this.onEnd(),
      onError: (error) => this.onParseError(error),
    });
  }

  get closed(): boolean {
    return this.state === 'closed' || this.state === 'new';
  }

  get bufferedBytes(): number {
    return (this.input?.length ?? 0) + this.parser.bufferedBytes + (this.writer?.queued ?? 0);
  }

  start(socket: TcpSocket): void {
    this.socket = socket;
    this.writer = new SocketWriter(socket, this.server.maxOutputBytes, (error) => this.fail(error));
    this.state = 'http';
    this.touch();
    this.armIdle();
    this.pump();
  }

  /** Answer 503 and close: the server is full (RFC 9110 §15.6.4). */
  refuse(socket: TcpSocket): void {
    this.socket = socket;
    this.writer = new SocketWriter(socket, this.server.maxOutputBytes, () => this.closeNow());
    this.state = 'closing';
    this.writer.write(
      jsonResponse(
        503,
        { error: 'SERVICE_UNAVAILABLE', message: `all ${this.server.maxConnections} connections are in use` },
        [
          ['Retry-After', '5'],
          ['Connection', 'close'],
        ],
      ),
    );
    // A client that never reads its 503 must not keep the socket: the idle timeout ends it.
    this.touch();
    this.closeWhenFlushed();
  }

  /** The server is closing: finish the current exchange, take no new one. */
  shutdown(): void {
    if (this.state === 'upgraded') {
      this.webSocket?.close(1001, 'server shutting down');
      return;
    }
    if (this.state === 'http' && !this.exchange) this.closeWhenFlushed();
  }

  // ResponseHost

  mayKeepAlive(): boolean {
    if (this.server.shuttingDown || this.peerEnded) return false;
    const exchange = this.exchange;
    // A client still waiting for 100 Continue may or may not send its body now: the stream cannot be trusted.
    return !(exchange?.awaitingContinue && !exchange.request.complete);
  }

  responseEnded(keepAlive: boolean): void {
    const exchange = this.exchange;
    if (!exchange || exchange.responseDone) return;
    exchange.responseDone = true;
    exchange.keepAlive = keepAlive && this.mayKeepAlive();
    const request = exchange.request;
    if (!request.complete) {
      if (!exchange.keepAlive) {
        this.abortBody(exchange, new Error('the response ended before the request body was read'));
        this.closeWhenFlushed();
        return;
      }
      // Read the rest of the body and throw it away, so the next request starts where it should.
      if (request.mode !== 'sink') request.mode = 'discard';
      else {
        this.abortBody(exchange, new Error('the response ended before the request body was read'));
        request.mode = 'discard';
      }
      this.resumeInput();
      return;
    }
    this.exchangeComplete();
  }

  abort(reason: string): void {
    this.server.log('warn', `http: closing connection from ${this.socket?.remoteAddress}: ${reason}`);
    if (this.exchange) this.exchange.responseDone = true;
    this.closeWhenFlushed();
  }

  upgrade(response: Uint8Array, options: WebSocketConnectionOptions): WebSocketConnection {
    const exchange = this.exchange;
    if (!exchange || this.state !== 'http') throw new Error('connection is not in an HTTP exchange');
    this.writer.write(response);
    this.state = 'upgraded';
    this.exchange = undefined;
    this.clearIdle();
    const socket = this.socket!;
    this.webSocket = new WebSocketConnection(
      {
        writer: this.writer,
        close: () => this.closeWhenFlushed(),
        destroy: () => this.closeNow(),
        resume: () => this.pump(),
        remoteAddress: socket.remoteAddress,
      },
      options,
    );
    // Bytes after the handshake already belong to the WebSocket (RFC 6455 §4.2.2): deliver them once the
    // handler has had the chance to set its callbacks.
    Promise.resolve().then(() => this.pump());
    return this.webSocket;
  }

  /** A handler chose what to do with the body. */
  bodyWanted(request: ServerRequest): void {
    const exchange = this.exchange;
    if (!exchange || exchange.request !== request || this.state !== 'http') return;
    if (request.mode === 'sink' && exchange.awaitingContinue && !exchange.response.headersSent) {
      exchange.awaitingContinue = false;
      this.writer.write(CONTINUE);
    }
    this.resumeInput();
  }

  // Parser events

  private onHead(head: HttpRequestHead): void {
    this.pauseInput();
    if (this.state !== 'http') return;
    const request = new ServerRequest(head, this.socket!.remoteAddress, this);
    const response = new ServerResponse(this, head);
    const hasBody = request.hasBody;
    const exchange: Exchange = {
      request,
      response,
      responseDone: false,
      keepAlive: head.keepAlive,
      sinkBusy: false,
      awaitingContinue:
        hasBody && head.version === 'HTTP/1.1' && listHas(head.headers.get('expect'), '100-continue'),
      takenOver: false,
    };
    this.exchange = exchange;
    this.invoke(exchange);
    // Without a body there is nothing to hold back: the parser may go on to the (empty) end of the request.
    if ((request.mode !== 'undecided' || !hasBody) && this.exchange === exchange && this.state === 'http') {
      this.resumeInput();
    }
  }

  private onBody(chunk: Uint8Array): void {
    const exchange = this.exchange;
    if (exchange?.request.mode !== 'sink') return;
    let pending: void | Promise<void>;
    try {
      pending = exchange.request.sink!.onData(chunk);
    } catch (error) {
      this.handlerFailed(exchange, error);
      return;
    }
    if (pending && typeof pending.then === 'function') {
      exchange.sinkBusy = true;
      this.pauseInput();
      pending.then(
        () => {
          exchange.sinkBusy = false;
          if (this.exchange === exchange && this.state === 'http') this.resumeInput();
        },
        (error: unknown) => this.handlerFailed(exchange, error),
      );
    }
  }

  private onEnd(): void {
    const exchange = this.exchange;
    if (!exchange) return;
    const request = exchange.request;
    request.complete = true;
    if (request.mode === 'sink') {
      try {
        request.sink!.onEnd?.();
      } catch (error) {
        this.handlerFailed(exchange, error);
        return;
      }
    }
    if (exchange.responseDone) this.exchangeComplete();
    else if (this.exchange === exchange) this.pauseInput(); // pipelined requests wait for this response
  }

  private onParseError(error: HttpError): void {
    const exchange = this.exchange;
    this.server.log('info', `http: ${this.socket?.remoteAddress}: ${error.code} ${error.message}`);
    if (exchange) {
      exchange.takenOver = true;
      this.abortBody(exchange, error);
      if (exchange.response.headersSent) {
        this.closeWhenFlushed();
        return;
      }
      exchange.response.error(error);
      this.closeWhenFlushed();
      return;
    }
    this.writer.write(errorResponse(error));
    this.closeWhenFlushed();
  }

  // Handler calls

  private invoke(exchange: Exchange): void {
    let result: void | Promise<void>;
    try {
      result = this.server.handler(exchange.request, exchange.response);
    } catch (error) {
      this.handlerFailed(exchange, error);
      return;
    }
    if (result && typeof result.then === 'function') {
      result.then(undefined, (error: unknown) => this.handlerFailed(exchange, error));
    }
  }

  private handlerFailed(exchange: Exchange, error: unknown): void {
    const failure =
      error instanceof HttpError
        ? error
        : new HttpError(
            'HANDLER_FAILED',
            `request handler failed: ${(error as Error)?.message ?? String(error)}`,
          );
    if (!(error instanceof HttpError)) this.server.log('error', `http: ${failure.message}`);
    if (this.exchange !== exchange || this.state !== 'http') return;
    exchange.takenOver = true;
    this.abortBody(exchange, failure);
    if (exchange.response.finished) {
      this.closeWhenFlushed();
      return;
    }
    exchange.response.error(failure);
  }

  private abortBody(exchange: Exchange, error: Error): void {
    const request = exchange.request;
    if (request.complete || request.mode !== 'sink') return;
    const sink = request.sink!;
    request.mode = 'discard';
    try {
      sink.onAbort?.(error);
    } catch (thrown) {
      this.server.log('error', `http: onAbort threw: ${(thrown as Error).message}`);
    }
  }

  private exchangeComplete(): void {
    const exchange = this.exchange;
    if (!exchange) return;
    this.exchange = undefined;
    if (!exchange.keepAlive || this.server.shuttingDown) {
      this.closeWhenFlushed();
      return;
    }
    this.touch();
    this.resumeInput();
  }

  // Input

  private pauseInput(): void {
    this.paused = true;
    this.parser.pause();
  }

  private resumeInput(): void {
    if (!this.paused) return;
    this.paused = false;
    this.parser.resume();
    this.pump();
  }

  /** Read and parse until the socket is empty or the parser is paused. Re-entrant calls are folded in. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        if (this.state === 'http') this.pumpHttp();
        else if (this.state === 'upgraded') this.pumpWebSocket();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    if (this.peerEnded && this.state === 'http' && !this.exchange) this.closeWhenFlushed();
    // The peer finished sending while its WebSocket input was held: now that all of it is read, the stream is over.
    if (this.peerEnded && this.state === 'upgraded' && this.input === undefined) this.closeNow();
  }

  private pumpHttp(): void {
    while (this.state === 'http' && !this.paused) {
      let chunk = this.input;
      if (!chunk) {
        const read = this.socket!.read(this.server.readChunkBytes);
        if (read && read.length > 0) this.touch();
        // Even with no new bytes the parser may have an event due: a body whose last byte came in the push that
        // a busy sink paused ends only when the parser runs again.
        chunk = read ?? NO_BYTES;
      }
      let consumed: number;
      try {
        consumed = this.parser.push(chunk);
      } catch (error) {
        // A parser callback threw past our guards: treat as a handler failure.
        if (this.exchange) this.handlerFailed(this.exchange, error);
        else this.closeWhenFlushed();
        return;
      }
      this.input = consumed < chunk.length ? chunk.subarray(consumed) : undefined;
      if (this.parser.failed || chunk.length === 0) return;
    }
  }

  /**
   * Hand socket bytes to the WebSocket while it takes them. When it takes less than all (its application has no
   * room) the rest waits in `input` (at most readChunkBytes) and the socket is not read until the WebSocket asks
   * to resume or more bytes arrive: unread, they hold the peer back through TCP's window.
   */
  private pumpWebSocket(): void {
    const webSocket = this.webSocket!;
    for (;;) {
      const bytes = this.input ?? this.socket!.read(this.server.readChunkBytes);
      this.input = undefined;
      if (!bytes || bytes.length === 0) return;
      const taken = webSocket.receive(bytes);
      if (this.state !== 'upgraded') return;
      if (taken < bytes.length) {
        this.input = bytes.subarray(taken);
        return;
      }
    }
  }

  // Output and lifetime

  private writable(): void {
    if (this.state === 'closed' || this.state === 'new') return;
    this.touch();
    this.writer.flush();
    if (this.closeAfterFlush && this.writer.empty) this.closeNow();
    else if (this.state === 'upgraded') this.webSocket?.writable();
  }

  private closeWhenFlushed(): void {
    if (this.state === 'closed') return;
    if (this.state !== 'upgraded') this.state = 'closing';
    this.closeAfterFlush = true;
    this.pauseInput();
    if (this.writer.empty) this.closeNow();
    else this.armIdle();
  }

  private peerClosed(): void {
    if (this.state === 'closed') return;
    this.peerEnded = true;
    // Take what is still in the socket (it may complete a request), then close: the contract has no half-close,
    // so nothing more reaches the client. A request cut off here is aborted: a truncated upload never reaches
    // the flash. WebSocket input held for lack of room is still read, as room frees; pump() closes after it.
    if (this.state === 'http' || this.state === 'upgraded') this.pump();
    if (this.state !== 'upgraded') this.closeNow();
  }

  private fail(error: Error): void {
    if (this.state === 'closed') return;
    this.server.log('info', `http: connection from ${this.socket?.remoteAddress} failed: ${error.message}`);
    if (this.state === 'upgraded') this.webSocket?.transportClosed();
    this.closeNow();
  }

  /**
   * @internal When this connection holds no request (nothing read, queued, or being answered), the time of its last
   * activity (timer ms); undefined while busy or upgraded.
   */
  idleSince(): number | undefined {
    const idle =
      this.state === 'http' &&
      this.exchange === undefined &&
      this.parser.idle &&
      this.input === undefined &&
      this.writer.empty &&
      !this.closeAfterFlush;
    return idle ? this.lastActivity : undefined;
  }

  /** @internal Close an idle connection to make room for a new one (see HttpServer.evictIdlest). */
  evict(): void {
    this.closeNow();
  }

  private closeNow(): void {
    if (this.state === 'closed') return;
    const wasUpgraded = this.state === 'upgraded';
    this.state = 'closed';
    this.clearIdle();
    this.writer?.clear();
    this.input = undefined;
    try {
      this.socket?.close();
    } catch {
      // Already closed by the peer: nothing left to release.
    }
    this.server.forget(this);
    if (wasUpgraded) this.webSocket?.transportClosed();
    const exchange = this.exchange;
    this.exchange = undefined;
    if (exchange) {
      const error = new Error('connection closed before the request was complete');
      if (!exchange.request.complete) exchange.request.aborted = error;
      this.abortBody(exchange, error);
      if (!exchange.response.finished || exchange.takenOver) {
        try {
          exchange.response.onClose?.();
        } catch (error) {
          this.server.log('error', `http: onClose threw: ${(error as Error).message}`);
        }
      }
    }
  }

  // Idle timeout

  private touch(): void {
    this.lastActivity = this.timer.now();
  }

  private armIdle(): void {
    if (this.idleTimer !== undefined || this.state === 'closed') return;
    if (this.state === 'upgraded' && !this.closeAfterFlush) return; // the WebSocket pings on its own
    const due = this.lastActivity + this.server.idleTimeoutMs - this.timer.now();
    this.idleTimer = this.timer.set(() => this.idleCheck(), Math.max(0, due));
  }

  private clearIdle(): void {
    if (this.idleTimer !== undefined) this.timer.clear(this.idleTimer);
    this.idleTimer = undefined;
  }

  private idleCheck(): void {
    this.idleTimer = undefined;
    if (this.state === 'closed' || (this.state === 'upgraded' && !this.closeAfterFlush)) return;
    if (this.timer.now() - this.lastActivity < this.server.idleTimeoutMs) {
      this.armIdle();
      return;
    }
    if (this.closeAfterFlush) {
      this.closeNow(); // the client does not take the last response
      return;
    }
    const exchange = this.exchange;
    const waitingOnClient =
      !this.writer.empty ||
      (exchange !== undefined &&
        !exchange.request.complete &&
        exchange.request.mode !== 'undecided' &&
        !exchange.sinkBusy);
    if (exchange && !waitingOnClient) {
      // The handler is working (or streaming events into an empty queue): its business, not a timeout.
      this.touch();
      this.armIdle();
      return;
    }
    if (!exchange && this.parser.idle) {
      this.closeNow(); // an idle keep-alive connection (RFC 9112 §9.5)
      return;
    }
    if (exchange?.response.headersSent ?? false) {
      this.closeNow();
      return;
    }
    this.server.log('info', `http: ${this.socket?.remoteAddress}: request timed out`);
    if (exchange) this.abortBody(exchange, new Error('request timed out'));
    this.exchange = undefined;
    this.writer.write(
      jsonResponse(
        408,
        { error: 'REQUEST_TIMEOUT', message: `no complete request within ${this.server.idleTimeoutMs} ms` },
        [['Connection', 'close']],
      ),
    );
    this.closeWhenFlushed();
  }
}
