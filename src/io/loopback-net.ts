/**
 * An in-memory TCP network for tests on both engines (XS has no sockets): a ListenerProvider plus connect(), with
 * the behaviour the services must cope with on a real network — bytes arrive later (on the injected Timer, so a
 * VirtualClock drives them), in pieces, and each direction of a connection holds a bounded number of bytes: a
 * peer that stops reading makes the writer's write() throw WouldBlockError, as a full TCP window does.
 */
import { WouldBlockError } from './byte-channel.js';
import type {
  Bytes,
  Listener,
  ListenerProvider,
  TcpCallbacks,
  TcpSocket,
  Timer,
  TimerHandle,
} from './contracts.js';
import { asUint8 } from './contracts.js';
import { AirbootError } from './errors.js';

/** What went wrong on the loopback network; `code` as on a real one. */
export class LoopbackNetError extends AirbootError {
  constructor(
    code: 'ADDRESS_IN_USE' | 'CONNECTION_REFUSED' | 'CONNECTION_RESET' | 'SOCKET_CLOSED',
    readonly port: number,
    message: string,
  ) {
    super(code, message);
  }
}

export interface LoopbackNetworkOptions {
  /** Bytes one direction of a connection holds, in flight plus unread (a TCP window and buffers). Default 16 KiB. */
  capacity?: number;
  /** Largest piece delivered at once, bytes. Default 1024. */
  chunkBytes?: number;
  /** Time each piece takes to arrive, ms. Default 0 (the next timer turn). */
  latencyMs?: number;
}

/** The first port handed out for port 0 and for the client side of connections (IANA dynamic range). */
const EPHEMERAL_BASE = 49152;

export class LoopbackNetwork {
  /** Listen on a port of this network (ECMA-419 Listener). */
  readonly listen: ListenerProvider;
  readonly capacity: number;
  readonly chunkBytes: number;
  readonly latencyMs: number;
  private readonly listeners = new Map<number, LoopbackListener>();
  private nextPort = EPHEMERAL_BASE;

  constructor(
    readonly timer: Timer,
    options: LoopbackNetworkOptions = {},
  ) {
    this.capacity = options.capacity ?? 16 * 1024;
    this.chunkBytes = options.chunkBytes ?? 1024;
    this.latencyMs = options.latencyMs ?? 0;
    this.listen = (listen) => {
      let port = listen.port;
      if (port === 0) port = this.ephemeralPort();
      if (this.listeners.has(port)) {
        throw new LoopbackNetError('ADDRESS_IN_USE', port, `port ${port} is already in use`);
      }
      const listener = new LoopbackListener(this, port, listen.onReadable);
      this.listeners.set(port, listener);
      return listener;
    };
  }

  /**
   * Open a connection to `port`; the returned socket can be written at once (bytes wait for the server's
   * accept()). Throws LoopbackNetError CONNECTION_REFUSED when nothing listens there.
   */
  connect(port: number, callbacks: TcpCallbacks, host = '127.0.0.1'): LoopbackSocket {
    const listener = this.listeners.get(port);
    if (!listener) throw new LoopbackNetError('CONNECTION_REFUSED', port, `nothing listens on port ${port}`);
    const clientPort = this.ephemeralPort();
    const client = new LoopbackSocket(this, host, port, callbacks, true);
    const server = new LoopbackSocket(this, host, clientPort, {}, false);
    client.peer = server;
    server.peer = client;
    listener.offer(server);
    return client;
  }

  /** Ports that have a listener now. */
  get ports(): number[] {
    return [...this.listeners.keys()];
  }

  /** @internal */
  unlisten(port: number): void {
    this.listeners.delete(port);
  }

  private ephemeralPort(): number {
    while (this.listeners.has(this.nextPort)) this.nextPort++;
    return this.nextPort++;
  }
}

class LoopbackListener implements Listener {
  private readonly waiting: LoopbackSocket[] = [];
  private closed = false;

  constructor(
    private readonly network: LoopbackNetwork,
    readonly port: number,
    private readonly onReadable: (count: number) => void,
  ) {}

  offer(socket: LoopbackSocket): void {
    this.waiting.push(socket);
    this.network.timer.set(() => {
      if (!this.closed && this.waiting.length > 0) this.onReadable(this.waiting.length);
    }, 0);
  }

  accept(callbacks: TcpCallbacks): TcpSocket | undefined {
    const socket = this.waiting.shift();
    socket?.adopt(callbacks);
    return socket;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.network.unlisten(this.port);
    for (const socket of this.waiting.splice(0)) socket.reset();
  }
}

/** One end of a loopback connection. */
export class LoopbackSocket implements TcpSocket {
  /** @internal The other end. */
  peer: LoopbackSocket | undefined;
  private callbacks: TcpCallbacks;
  /** Written, not yet delivered to the peer. */
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;
  /** Taken from the outbox, on its way (latencyMs). */
  private inFlightBytes = 0;
  /** Delivered, not yet read. */
  private inbox: Uint8Array[] = [];
  private inboxBytes = 0;
  private sending: TimerHandle | undefined;
  private closed = false;
  /** The peer finished (FIN) or reset; reported once callbacks exist. */
  private peerGone: 'fin' | 'reset' | undefined;
  private goneReported = false;
  /** Callbacks are in place: the client end from the start, the server end from accept(). */
  private adopted: boolean;
  private blocked = false;
  /** Bytes this end has read, for tests. */
  bytesRead = 0;

  constructor(
    private readonly network: LoopbackNetwork,
    readonly remoteAddress: string,
    readonly remotePort: number,
    callbacks: TcpCallbacks,
    adopted: boolean,
  ) {
    this.callbacks = callbacks;
    this.adopted = adopted;
  }

  /** @internal The server side gets its callbacks at accept(). */
  adopt(callbacks: TcpCallbacks): void {
    this.callbacks = callbacks;
    this.adopted = true;
    this.later(() => {
      if (this.inboxBytes > 0) this.callbacks.onReadable?.(this.inboxBytes);
      this.reportGone();
    });
  }

  /** Bytes waiting to be read. */
  get readable(): number {
    return this.inboxBytes;
  }

  read(max?: number): Uint8Array | undefined {
    if (this.inboxBytes === 0 || this.closed) return undefined;
    const want = Math.min(max ?? this.inboxBytes, this.inboxBytes);
    const out = new Uint8Array(want);
    let filled = 0;
    while (filled < want) {
      const head = this.inbox[0]!;
      const piece = Math.min(head.length, want - filled);
      out.set(head.subarray(0, piece), filled);
      filled += piece;
      if (piece === head.length) this.inbox.shift();
      else this.inbox[0] = head.subarray(piece);
    }
    this.inboxBytes -= want;
    this.bytesRead += want;
    this.peer?.roomFreed();
    return out;
  }

  write(bytes: Bytes): number {
    if (this.closed) throw new LoopbackNetError('SOCKET_CLOSED', this.remotePort, 'write after close');
    const data = asUint8(bytes);
    const peer = this.peer;
    // Bytes to a peer that is gone vanish, as TCP's do until the reset comes back.
    if (!peer || peer.closed || this.peerGone) return this.room();
    const room = this.room();
    if (data.length > room) {
      this.blocked = true;
      throw new WouldBlockError(room);
    }
    this.outbox.push(data.slice());
    this.outboxBytes += data.length;
    this.scheduleSend();
    return this.room();
  }

  /** Close after the bytes already written have been delivered (FIN). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inbox = [];
    this.inboxBytes = 0;
    if (this.outboxBytes === 0) this.finish('fin');
  }

  /** Abort the connection: unsent bytes are lost and the peer gets onError CONNECTION_RESET. */
  reset(): void {
    this.closed = true;
    this.outbox = [];
    this.outboxBytes = 0;
    this.inFlightBytes = 0;
    if (this.sending !== undefined) this.network.timer.clear(this.sending);
    this.sending = undefined;
    this.finish('reset');
  }

  /** Output room: the direction's capacity less what is in flight and unread at the peer. */
  private room(): number {
    return this.network.capacity - this.outboxBytes - this.inFlightBytes - (this.peer?.inboxBytes ?? 0);
  }

  private finish(how: 'fin' | 'reset'): void {
    const peer = this.peer;
    if (!peer || peer.peerGone) return;
    peer.peerGone = how;
    peer.later(() => peer.reportGone());
  }

  private reportGone(): void {
    if (!this.peerGone || this.goneReported || this.closed) return;
    // A server-side end keeps the news until accept() gives it callbacks.
    if (!this.adopted) return;
    this.goneReported = true;
    if (this.peerGone === 'fin') this.callbacks.onClose?.();
    else
      this.callbacks.onError?.(
        new LoopbackNetError('CONNECTION_RESET', this.remotePort, 'connection reset by peer'),
      );
  }

  /** @internal The peer read some bytes: owe onWritable if a write was refused. */
  roomFreed(): void {
    if (!this.blocked || this.closed) return;
    this.blocked = false;
    this.later(() => {
      if (!this.closed) this.callbacks.onWritable?.(this.room());
    });
  }

  private scheduleSend(): void {
    if (this.sending !== undefined || this.outboxBytes === 0) return;
    const chunk = this.takeOutbox(this.network.chunkBytes);
    this.sending = this.network.timer.set(() => {
      this.sending = undefined;
      this.inFlightBytes -= chunk.length;
      const peer = this.peer;
      if (peer && !peer.closed) peer.receive(chunk);
      if (this.outboxBytes > 0) this.scheduleSend();
      else if (this.closed) this.finish('fin');
    }, this.network.latencyMs);
  }

  private receive(chunk: Uint8Array): void {
    this.inbox.push(chunk);
    this.inboxBytes += chunk.length;
    this.callbacks.onReadable?.(this.inboxBytes);
  }

  /** The chunk counts as in flight until it is in the peer's inbox, so room() stays honest. */
  private takeOutbox(max: number): Uint8Array {
    const head = this.outbox[0]!;
    let chunk = head;
    if (head.length <= max) this.outbox.shift();
    else {
      this.outbox[0] = head.subarray(max);
      chunk = head.subarray(0, max);
    }
    this.outboxBytes -= chunk.length;
    this.inFlightBytes += chunk.length;
    return chunk;
  }

  private later(callback: () => void): void {
    this.network.timer.set(callback, 0);
  }
}
