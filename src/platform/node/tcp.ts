/**
 * The TCP contracts (src/io/contracts.ts: TcpSocket, Listener, ListenerProvider; ECMA-419 §10.8 and §10.9) over
 * node:net, so the portable services (raw bridge, control port, RFC 2217, HTTP) run on Node unchanged.
 *
 * Bounded both ways: received bytes wait in a ReceiveQueue that pauses the socket past `inputCapacity` (TCP flow
 * control then holds off the peer), and write() refuses with WouldBlockError once `outputCapacity` bytes wait in
 * Node's socket buffer (`writableLength`), instead of letting Node queue without limit.
 */
import * as net from 'node:net';
import { WouldBlockError } from '../../io/byte-channel.js';
import type { Bytes, Listener, ListenerProvider, TcpCallbacks, TcpSocket } from '../../io/contracts.js';
import { asUint8 } from '../../io/contracts.js';
import { AirbootError } from '../../io/errors.js';
import { ReceiveQueue } from './receive-queue.js';

/** A socket operation failed: `code` TCP_CLOSED (written after close), TCP_CONNECT, TCP_LISTEN. */
export class TcpError extends AirbootError {
  constructor(
    code: 'TCP_CLOSED' | 'TCP_CONNECT' | 'TCP_LISTEN',
    /** host:port the operation was about. */
    readonly address: string,
    message: string,
  ) {
    super(code, message);
  }
}

export interface NodeTcpOptions {
  /** Bytes held for read() before the socket is paused, bytes. Default 16 KiB. */
  inputCapacity?: number;
  /** Bytes write() lets wait in Node's socket buffer; beyond that it throws WouldBlockError. Default 16 KiB. */
  outputCapacity?: number;
  /** TCP keep-alive: first probe after this much idle time, ms (the OS repeats and gives up). Default 10 000. */
  keepAliveMs?: number;
  /** After close(), destroy a socket whose peer still has not taken the last bytes, ms. Default 5000. */
  lingerMs?: number;
}

const DEFAULTS = { inputCapacity: 16 * 1024, outputCapacity: 16 * 1024, keepAliveMs: 10_000, lingerMs: 5000 };

/** Most accepted connections waiting for accept() before newer ones are turned away. */
const ACCEPT_BACKLOG = 16;

/** A TcpSocket over a connected net.Socket. */
export class NodeTcpSocket implements TcpSocket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly rx: ReceiveQueue;
  private readonly outputCapacity: number;
  private readonly lingerMs: number;
  private closed = false;
  /** The connection failed or is fully closed: no more writes. */
  private ended = false;
  /** The peer will send nothing more. */
  private peerDone = false;
  /** A write was refused; onWritable is owed once the socket buffer drains. */
  private blocked = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly callbacks: TcpCallbacks,
    options: NodeTcpOptions = {},
  ) {
    const settings = { ...DEFAULTS, ...options };
    this.outputCapacity = settings.outputCapacity;
    this.lingerMs = settings.lingerMs;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.rx = new ReceiveQueue(settings.inputCapacity, socket);
    // Interactive bytes (a keypress, a bootloader ACK) must not wait for Nagle's algorithm (RFC 896).
    socket.setNoDelay(true);
    // Half-open connections (a peer that vanished without FIN) are found by keep-alive probes.
    socket.setKeepAlive(true, settings.keepAliveMs);
    socket.on('data', (chunk: Buffer) => {
      const waiting = this.rx.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      this.callbacks.onReadable?.(waiting);
    });
    socket.on('drain', () => this.writable());
    socket.on('end', () => this.peerFinished());
    socket.on('close', () => {
      this.ended = true;
      this.peerFinished();
    });
    socket.on('error', (error) => {
      if (this.closed) return;
      this.ended = true;
      this.callbacks.onError?.(error);
    });
    if (socket.isPaused()) socket.resume();
  }

  /** Bytes waiting to be read. */
  get readable(): number {
    return this.rx.length;
  }

  read(max?: number): Uint8Array | undefined {
    return this.rx.read(max);
  }

  write(bytes: Bytes): number {
    if (this.closed || this.ended || this.socket.destroyed) {
      throw new TcpError('TCP_CLOSED', this.address, `connection to ${this.address} is closed`);
    }
    const data = asUint8(bytes);
    const room = this.outputCapacity - this.socket.writableLength;
    if (data.length > room) {
      this.blocked = true;
      throw new WouldBlockError(Math.max(0, room));
    }
    // Node keeps a reference to the buffer until it is sent: copy, the caller may reuse its array.
    this.socket.write(Buffer.from(data), () => this.writable());
    return this.outputCapacity - this.socket.writableLength;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    // A peer that stopped reading would keep the socket forever: give it `lingerMs` to take the last bytes.
    setTimeout(() => this.socket.destroy(), this.lingerMs).unref();
  }

  private get address(): string {
    return `${this.remoteAddress}:${this.remotePort}`;
  }

  private writable(): void {
    if (!this.blocked || this.closed) return;
    const room = this.outputCapacity - this.socket.writableLength;
    if (room <= 0) return;
    this.blocked = false;
    this.callbacks.onWritable?.(room);
  }

  /**
   * The peer sent FIN (or the connection is gone). Our side stays writable until close(), so a service can still
   * answer what arrived — `printf 'boot\r\n' | nc host 1235` gets its reply (the listener allows half-open sockets).
   */
  private peerFinished(): void {
    if (this.peerDone) return;
    this.peerDone = true;
    if (!this.closed) this.callbacks.onClose?.();
  }
}

/**
 * A Listener over net.Server. Node binds asynchronously: `port` is the requested port until `listening` resolves,
 * the bound one after (await it when asking for port 0).
 */
export class NodeListener implements Listener {
  /** Resolves once the port is bound; rejects with TcpError TCP_LISTEN when it cannot be. */
  readonly listening: Promise<void>;
  private readonly server: net.Server;
  private readonly waiting: net.Socket[] = [];
  private readonly requestedPort: number;
  private closed = false;

  constructor(
    options: Parameters<ListenerProvider>[0],
    private readonly socketOptions: NodeTcpOptions = {},
  ) {
    this.requestedPort = options.port;
    const host = options.host ?? '127.0.0.1';
    // Sockets stay paused until accept() gives them callbacks, so no byte is read before someone wants it.
    this.server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
      if (this.waiting.length >= ACCEPT_BACKLOG) {
        socket.destroy();
        return;
      }
      this.waiting.push(socket);
      socket.once('close', () => {
        const index = this.waiting.indexOf(socket);
        if (index >= 0) this.waiting.splice(index, 1);
      });
      options.onReadable(this.waiting.length);
    });
    this.listening = new Promise((resolve, reject) => {
      this.server.once('listening', () => resolve());
      this.server.once('error', (error: NodeJS.ErrnoException) => {
        const failure = new TcpError(
          'TCP_LISTEN',
          `${host}:${options.port}`,
          `cannot listen on ${host}:${options.port}: ${error.message}` +
            (error.code === 'EADDRINUSE' ? ' (the port is taken: pick another one)' : ''),
        );
        reject(failure);
        options.onError?.(failure);
      });
    });
    this.listening.catch(() => {});
    this.server.listen(options.port, host);
  }

  get port(): number {
    const bound = this.server.address();
    return bound && typeof bound === 'object' ? bound.port : this.requestedPort;
  }

  accept(callbacks: TcpCallbacks): TcpSocket | undefined {
    const socket = this.waiting.shift();
    if (!socket) return undefined;
    socket.removeAllListeners('close');
    return new NodeTcpSocket(socket, callbacks, this.socketOptions);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.waiting.splice(0)) socket.destroy();
    this.server.close();
  }
}

/** Listen and wait until the port is bound; rejects with TcpError TCP_LISTEN. */
export async function nodeListen(
  options: Parameters<ListenerProvider>[0],
  socketOptions: NodeTcpOptions = {},
): Promise<NodeListener> {
  const listener = new NodeListener(options, socketOptions);
  await listener.listening;
  return listener;
}

/**
 * A ListenerProvider that keeps the listeners it makes, for a runtime that starts several services and wants to
 * print their ports: `await group.bound()` resolves once every one of them is listening (rejects with TCP_LISTEN).
 */
export function createListenerGroup(options: NodeTcpOptions = {}): {
  listen: ListenerProvider;
  bound: () => Promise<void>;
} {
  const listeners: NodeListener[] = [];
  return {
    listen: (listen) => {
      const listener = new NodeListener(listen, options);
      listeners.push(listener);
      return listener;
    },
    bound: async () => {
      await Promise.all(listeners.map((listener) => listener.listening));
    },
  };
}

/** A ListenerProvider whose sockets use `options` (capacities, keep-alive). */
export function createNodeListener(options: NodeTcpOptions = {}): ListenerProvider {
  return (listen) => new NodeListener(listen, options);
}

/** The Node ListenerProvider with default capacities (16 KiB each way) and 10 s keep-alive. Host default 127.0.0.1. */
export const nodeListener: ListenerProvider = createNodeListener();

/** Connect to host:port; resolves with a TcpSocket using `callbacks`, rejects with TcpError TCP_CONNECT. */
export function connectTcp(
  host: string,
  port: number,
  callbacks: TcpCallbacks,
  options: NodeTcpOptions & { connectTimeoutMs?: number } = {},
): Promise<NodeTcpSocket> {
  const address = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.pause();
    const timeout = setTimeout(() => {
      socket.destroy();
      reject(new TcpError('TCP_CONNECT', address, `no answer from ${address}`));
    }, options.connectTimeoutMs ?? 5000);
    socket.once('connect', () => {
      clearTimeout(timeout);
      socket.removeAllListeners('error');
      resolve(new NodeTcpSocket(socket, callbacks, options));
    });
    socket.once('error', (error) => {
      clearTimeout(timeout);
      reject(new TcpError('TCP_CONNECT', address, `cannot connect to ${address}: ${error.message}`));
    });
  });
}
