/**
 * An in-memory ListenerProvider for the HTTP server tests on both engines: clients connect to a port, send bytes
 * and see what the server wrote. Delivery is synchronous. A client can stop reading (`autoRead = false`) so that
 * the server's socket fills its `window` and throws WouldBlockError, as a real socket's send buffer would.
 */
import { WouldBlockError } from '../../../src/io/byte-channel.js';
import type {
  Bytes,
  Listener,
  ListenerProvider,
  TcpCallbacks,
  TcpSocket,
} from '../../../src/io/contracts.js';
import { asUint8 } from '../../../src/io/contracts.js';
import { concat, bytes as latin1, text } from './http-test-support.js';

export class FakeNetwork {
  private readonly listeners = new Map<number, FakeListener>();
  private nextPort = 40000;

  readonly listen: ListenerProvider = (options) => {
    const port = options.port === 0 ? this.nextPort++ : options.port;
    if (this.listeners.has(port)) throw new Error(`port ${port} in use`);
    const listener = new FakeListener(port, options.onReadable, () => this.listeners.delete(port));
    this.listeners.set(port, listener);
    return listener;
  };

  /** Open a connection to `port`; the listener hears of it at once. */
  connect(port: number, options: { window?: number; autoRead?: boolean } = {}): FakeClient {
    const listener = this.listeners.get(port);
    if (!listener) throw new Error(`connection refused: nothing listens on ${port}`);
    const client = new FakeClient(options.window ?? 1 << 30, options.autoRead ?? true);
    listener.arrive(client);
    return client;
  }
}

class FakeListener implements Listener {
  private readonly waiting: FakeClient[] = [];
  constructor(
    readonly port: number,
    private readonly onReadable: (count: number) => void,
    private readonly onClose: () => void,
  ) {}

  arrive(client: FakeClient): void {
    this.waiting.push(client);
    this.onReadable(this.waiting.length);
  }

  accept(callbacks: TcpCallbacks): TcpSocket | undefined {
    const client = this.waiting.shift();
    return client?.attach(callbacks);
  }

  close(): void {
    this.onClose();
  }
}

/** The client end, and the server's socket behind it. */
export class FakeClient {
  /** Everything the server wrote that the client has read. */
  private readonly chunks: Uint8Array[] = [];
  /** Written by the server, not yet read by the client (bounded by `window`). */
  private readonly unread: Uint8Array[] = [];
  private unreadBytes = 0;
  /** Sent by the client, not yet read by the server. */
  private readonly inbound: Uint8Array[] = [];
  private callbacks: TcpCallbacks | undefined;
  /** The server closed its socket. */
  serverClosed = false;
  /** The client closed (or reset) the connection. */
  clientClosed = false;
  /** Largest amount the server left unread in the socket (what the "kernel" held for it). */
  maxInbound = 0;

  constructor(
    private readonly window: number,
    public autoRead: boolean,
  ) {}

  attach(callbacks: TcpCallbacks): TcpSocket {
    this.callbacks = callbacks;
    const client = this;
    return {
      remoteAddress: '192.0.2.7',
      remotePort: 50000,
      read(max?: number): Uint8Array | undefined {
        return client.serverRead(max);
      },
      write(bytes: Bytes): number {
        return client.serverWrite(asUint8(bytes));
      },
      close(): void {
        client.serverClosed = true;
      },
    };
  }

  /** Send bytes (a string is one byte per character) to the server. */
  send(data: Uint8Array | string): void {
    if (this.clientClosed) throw new Error('client already closed');
    const bytes = typeof data === 'string' ? latin1(data) : data.slice();
    if (bytes.length === 0) return;
    this.inbound.push(bytes);
    this.maxInbound = Math.max(this.maxInbound, this.inboundBytes());
    if (this.callbacks && !this.serverClosed) this.callbacks.onReadable?.(this.inboundBytes());
  }

  /** The client closes its end (the server sees end of stream). */
  end(): void {
    this.clientClosed = true;
    if (this.callbacks && !this.serverClosed) this.callbacks.onClose?.();
  }

  /** The connection fails (a reset). */
  reset(): void {
    this.clientClosed = true;
    if (this.callbacks && !this.serverClosed) this.callbacks.onError?.(new Error('connection reset'));
  }

  /** Take what the server wrote while `autoRead` was off (up to `max` bytes); tells the server there is room. */
  read(max = Number.POSITIVE_INFINITY): number {
    let taken = 0;
    while (this.unread.length > 0 && taken < max) {
      const first = this.unread[0]!;
      const n = Math.min(first.length, max - taken);
      this.chunks.push(first.subarray(0, n));
      if (n === first.length) this.unread.shift();
      else this.unread[0] = first.subarray(n);
      taken += n;
    }
    this.unreadBytes -= taken;
    if (taken > 0 && !this.serverClosed) this.callbacks?.onWritable?.(this.window - this.unreadBytes);
    return taken;
  }

  /** Bytes received so far. */
  get received(): Uint8Array {
    return concat(...this.chunks);
  }

  /** Bytes received so far, one character per byte. */
  get receivedText(): string {
    return text(this.received);
  }

  /** Forget what was received (to look at the next response alone). */
  clearReceived(): void {
    this.chunks.length = 0;
  }

  private inboundBytes(): number {
    return this.inbound.reduce((n, chunk) => n + chunk.length, 0);
  }

  private serverRead(max = Number.POSITIVE_INFINITY): Uint8Array | undefined {
    const first = this.inbound[0];
    if (!first) return undefined;
    if (first.length <= max) {
      this.inbound.shift();
      return first;
    }
    this.inbound[0] = first.subarray(max);
    return first.slice(0, max);
  }

  private serverWrite(bytes: Uint8Array): number {
    if (this.serverClosed) throw new Error('write after close');
    if (this.clientClosed) throw new Error('connection reset by peer');
    if (this.autoRead) {
      this.chunks.push(bytes.slice());
      return this.window;
    }
    const room = this.window - this.unreadBytes;
    if (bytes.length > room) throw new WouldBlockError(room);
    this.unread.push(bytes.slice());
    this.unreadBytes += bytes.length;
    return this.window - this.unreadBytes;
  }
}
