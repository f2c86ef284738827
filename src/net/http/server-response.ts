/**
 * The response half of one HTTP exchange, as a request handler sees it: write a head, then stream the body with a
 * known length (Content-Length) or the chunked coding (RFC 9112 §6, §7.1), and end. Output goes through the
 * connection's bounded queue: `write()` returns false when the queue is full, and `drained()` says when to go on.
 */

import type { Timer } from '../../io/contracts.js';
import { encodeUtf8 } from '../encoding/utf8.js';
import type { WebSocketConnection, WebSocketConnectionOptions } from '../websocket/connection.js';
import { acceptWebSocket, type WebSocketHandshakeOptions } from '../websocket/handshake.js';
import { HttpError } from './errors.js';
import { EventStream, type EventStreamOptions } from './event-stream.js';
import { listHas } from './field-syntax.js';
import type { HttpRequestHead } from './request-parser.js';
import {
  CHUNK_END,
  chunkHeader,
  encodeResponseHead,
  errorResponse,
  type HeaderFields,
  headerPairs,
  lastChunk,
} from './response.js';
import type { SocketWriter } from './socket-writer.js';

/** What a response needs from its connection (implemented by the server's connection). */
export interface ResponseHost {
  readonly writer: SocketWriter;
  readonly timer: Timer;
  /** True once the TCP connection is gone (or going): writes are dropped. */
  readonly closed: boolean;
  /** Whether the connection may stay open after this response (the server is not shutting down, …). */
  mayKeepAlive(): boolean;
  /** The response is complete; `keepAlive` false closes the connection once the output has gone. */
  responseEnded(keepAlive: boolean): void;
  /** The response cannot be completed properly (e.g. shorter than its Content-Length): close the connection. */
  abort(reason: string): void;
  /** Send the 101 response and hand the connection to a WebSocketConnection. */
  upgrade(response: Uint8Array, options: WebSocketConnectionOptions): WebSocketConnection;
}

/** How the body of this response is delimited (RFC 9112 §6.3). */
type Framing = 'none' | 'length' | 'chunked' | 'close';

export class ServerResponse {
  private headSent = false;
  private ended = false;
  private framing: Framing = 'none';
  /** Content-Length body bytes still owed. */
  private remaining = 0;
  private keepAlive: boolean;
  private statusSent = 0;
  /** Called once if the connection closes before the response has ended (the client went away). */
  onClose: (() => void) | undefined;

  constructor(
    private readonly host: ResponseHost,
    private readonly request: HttpRequestHead,
  ) {
    this.keepAlive = request.keepAlive;
  }

  /** Whether the status line and fields have been written. */
  get headersSent(): boolean {
    return this.headSent;
  }

  /** The status written, 0 before `writeHead`. */
  get status(): number {
    return this.statusSent;
  }

  /** Whether `end()` was called. */
  get finished(): boolean {
    return this.ended;
  }

  /** Whether the connection is gone: nothing more reaches the client. */
  get closed(): boolean {
    return this.host.closed;
  }

  /** Whether `write()` may be called without waiting (the output queue is below its limit). */
  get writable(): boolean {
    return !this.host.closed && !this.host.writer.full;
  }

  /**
   * Write the status line and fields. The body's framing follows from the fields: a Content-Length is honoured;
   * otherwise an HTTP/1.1 client gets `Transfer-Encoding: chunked`, an HTTP/1.0 client a body ended by closing
   * the connection (RFC 9112 §6.3). 204, 304 and any answer to HEAD carry no body (RFC 9110 §6.4.1). A
   * `Connection: close` (or keep-alive for HTTP/1.0) field is added as the connection's fate requires.
   */
  writeHead(status: number, headers: HeaderFields = []): void {
    if (this.headSent) throw new Error(`response head already sent (status ${this.statusSent})`);
    if (status < 200) throw new RangeError(`status ${status}: 1xx answers are the server's business`);
    const fields = headerPairs(headers);
    let contentLength: number | undefined;
    let chunked = false;
    for (const [name, value] of fields) {
      const lower = name.toLowerCase();
      if (lower === 'content-length') {
        contentLength = Number(value);
        if (!(Number.isSafeInteger(contentLength) && contentLength >= 0)) {
          throw new HttpError('INVALID_RESPONSE_HEADER', `Content-Length "${value}" is not a byte count`);
        }
      } else if (lower === 'transfer-encoding') {
        if (value.toLowerCase() !== 'chunked') {
          throw new HttpError(
            'INVALID_RESPONSE_HEADER',
            `Transfer-Encoding "${value}": only chunked is sent`,
          );
        }
        chunked = true;
      } else if (lower === 'connection' && listHas(value, 'close')) {
        this.keepAlive = false;
      }
    }
    const bodiless = status === 204 || status === 304 || this.request.method === 'HEAD';
    if (contentLength !== undefined) {
      this.framing = 'length';
      this.remaining = contentLength;
    } else if (chunked) {
      this.framing = 'chunked';
    } else if (status === 204 || status === 304) {
      this.framing = 'none';
    } else if (this.request.version === 'HTTP/1.1') {
      fields.push(['Transfer-Encoding', 'chunked']);
      this.framing = 'chunked';
    } else {
      this.framing = 'close';
      if (!bodiless) this.keepAlive = false;
    }
    if (this.framing === 'chunked' && this.request.version === 'HTTP/1.0') {
      // An HTTP/1.0 client does not know the chunked coding (RFC 9112 §6.1): delimit by closing instead.
      const at = fields.findIndex(([name]) => name.toLowerCase() === 'transfer-encoding');
      if (at >= 0) fields.splice(at, 1);
      this.framing = 'close';
      if (!bodiless) this.keepAlive = false;
    }
    if (bodiless) this.framing = 'none';
    if (!this.host.mayKeepAlive()) this.keepAlive = false;
    if (!fields.some(([name]) => name.toLowerCase() === 'connection')) {
      if (!this.keepAlive) fields.push(['Connection', 'close']);
      else if (this.request.version === 'HTTP/1.0') fields.push(['Connection', 'keep-alive']);
    }
    const head = encodeResponseHead(status, fields);
    this.headSent = true;
    this.statusSent = status;
    if (!this.host.closed) this.host.writer.write(head);
  }

  /**
   * Write body bytes (a string as UTF-8). Returns false when the output queue is full: wait for `drained()`
   * before writing more, or memory grows by what you write. Bytes are kept by reference until sent.
   */
  write(chunk: Uint8Array | string): boolean {
    if (!this.headSent) this.writeHead(200);
    if (this.ended) throw new Error('write after end');
    const bytes = typeof chunk === 'string' ? encodeUtf8(chunk) : chunk;
    if (this.host.closed || bytes.length === 0) return this.writable;
    const writer = this.host.writer;
    switch (this.framing) {
      case 'none':
        break;
      case 'length':
        if (bytes.length > this.remaining) {
          throw new RangeError(
            `${bytes.length} bytes written with only ${this.remaining} left of Content-Length`,
          );
        }
        this.remaining -= bytes.length;
        writer.write(bytes);
        break;
      case 'chunked':
        writer.write(chunkHeader(bytes.length));
        writer.write(bytes);
        writer.write(CHUNK_END);
        break;
      case 'close':
        writer.write(bytes);
        break;
    }
    return this.writable;
  }

  /** Resolves when the output queue is below its limit again (or the connection is gone). */
  drained(): Promise<void> {
    return this.host.writer.drained();
  }

  /** Finish the response, writing `chunk` first. Without a head, `chunk` becomes a body with a Content-Length. */
  end(chunk?: Uint8Array | string): void {
    if (this.ended) return;
    if (!this.headSent) {
      const bytes =
        chunk === undefined ? new Uint8Array(0) : typeof chunk === 'string' ? encodeUtf8(chunk) : chunk;
      this.writeHead(200, [['Content-Length', String(bytes.length)]]);
      chunk = bytes;
    }
    if (chunk !== undefined) this.write(chunk);
    this.ended = true;
    if (this.host.closed) return;
    if (this.framing === 'chunked') this.host.writer.write(lastChunk());
    if (this.framing === 'length' && this.remaining > 0) {
      // The client waits for bytes that will never come; only closing tells it (RFC 9112 §8).
      this.host.abort(`response ended ${this.remaining} bytes short of its Content-Length`);
      return;
    }
    this.host.responseEnded(this.keepAlive && this.framing !== 'close');
  }

  /** A complete response with a known length. */
  send(status: number, body: Uint8Array | string, headers: HeaderFields = []): void {
    const bytes = typeof body === 'string' ? encodeUtf8(body) : body;
    const fields = headerPairs(headers).filter(([name]) => name.toLowerCase() !== 'content-length');
    fields.push(['Content-Length', String(bytes.length)]);
    this.writeHead(status, fields);
    this.end(bytes);
  }

  /** `value` as JSON (RFC 8259) with a known length. */
  json(status: number, value: unknown, headers: HeaderFields = []): void {
    const fields = headerPairs(headers);
    if (!fields.some(([name]) => name.toLowerCase() === 'content-type')) {
      fields.push(['Content-Type', 'application/json']);
    }
    this.send(status, JSON.stringify(value), fields);
  }

  /**
   * Refuse the request with `error.status` and a JSON body `{ error, message }`, and close the connection
   * (`errorResponse`). After the head was sent, all that is left is to close.
   */
  error(error: HttpError): void {
    if (this.ended) return;
    if (this.headSent) {
      this.ended = true;
      this.host.abort(`${error.code} after the response head was sent: ${error.message}`);
      return;
    }
    this.headSent = true;
    this.ended = true;
    this.statusSent = error.status;
    if (!this.host.closed) this.host.writer.write(errorResponse(error));
    this.host.responseEnded(false);
  }

  /**
   * Start a Server-Sent Events stream (HTML Living Standard §9.2): `200`, `text/event-stream`, no caching, the
   * body kept open for `sendEvent` until `close()` or the client goes.
   */
  events(options: EventStreamOptions = {}): EventStream {
    this.writeHead(200, [
      ['Content-Type', 'text/event-stream'],
      ['Cache-Control', 'no-cache'],
      ...headerPairs(options.headers ?? []),
    ]);
    return new EventStream(this, this.host.timer, options);
  }

  /**
   * Accept a WebSocket opening handshake (RFC 6455 §4.2) and hand the connection over. Throws HttpError
   * (400/403/426) when the request is not a valid handshake: let it propagate, the server answers it.
   */
  upgradeWebSocket(options: WebSocketConnectionOptions & WebSocketHandshakeOptions): WebSocketConnection {
    if (this.headSent) throw new Error('response head already sent: too late to upgrade');
    if (this.request.chunked || (this.request.contentLength ?? 0) > 0) {
      throw new HttpError('BAD_HANDSHAKE', 'a WebSocket handshake has no body (RFC 6455 §4.1)');
    }
    const { response } = acceptWebSocket(this.request, options);
    this.headSent = true;
    this.ended = true;
    this.statusSent = 101;
    return this.host.upgrade(response, options);
  }
}
