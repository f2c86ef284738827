/**
 * TCP listeners and connections over ECMA-419 (`embedded:io/socket/listener`, `embedded:io/socket/tcp`), with a
 * device-wide cap on open connections: each costs lwIP buffers and JS objects, and the ESP8266 has room for few.
 * A connection beyond the cap is accepted and closed at once (the client sees a reset, not a hang).
 */
import ListenerSocket from 'embedded:io/socket/listener';
import TCP from 'embedded:io/socket/tcp';
import { WouldBlockError } from '../../io/byte-channel.js';
import type { Bytes, Listener, ListenerProvider, Log, TcpCallbacks, TcpSocket } from '../../io/contracts.js';
import { silentLog } from '../../io/contracts.js';
import { closeInstance } from './closable.js';
import { DeviceError } from './errors.js';
import { guarded } from './guard.js';

export interface DeviceNetOptions {
  /** Most TCP connections open at once, all services together. */
  maxConnections: number;
  log?: Log;
}

/** A ListenerProvider for the Bridge, sharing one connection budget between its listeners. */
export function deviceListen(options: DeviceNetOptions): ListenerProvider {
  const budget = { open: 0 };
  const log = options.log ?? silentLog;
  return (listen) => {
    const socket = new ListenerSocket({
      port: listen.port,
      address: listen.host,
      onReadable: guarded(log, `port ${listen.port}: accepting`, (count: number) => listen.onReadable(count)),
    });
    return new DeviceListener(socket, listen.port, budget, options.maxConnections, log);
  };
}

class DeviceListener implements Listener {
  constructor(
    private readonly socket: ListenerSocket,
    readonly port: number,
    private readonly budget: { open: number },
    private readonly max: number,
    private readonly log: Log,
  ) {}

  accept(callbacks: TcpCallbacks): TcpSocket | undefined {
    const from = this.socket.read();
    if (from === undefined) return undefined;
    if (this.budget.open >= this.max) {
      new TCP({ from }).close();
      this.log('warn', `port ${this.port}: connection refused, all ${this.max} connections in use`);
      return undefined;
    }
    return new DeviceTcpSocket(from, callbacks, this.budget, `port ${this.port}`, this.log);
  }

  close(): void {
    closeInstance(this.socket);
  }
}

class DeviceTcpSocket implements TcpSocket {
  private readonly socket: TCP;
  private closed = false;
  /**
   * Bytes waiting, as the last onReadable said (its argument is the total waiting), less what was read since.
   * Moddable's read(n) throws "invalid" when n is more than that (modules/io/socket/lwip/tcp.c, lin/tcp.c), while
   * the TcpSocket contract reads "up to" n.
   */
  private readable = 0;
  /**
   * Output space, from onWritable's count and write()'s answer (both the free send buffer), or undefined before
   * either came. Moddable refuses a write bigger than the space whole; knowing the space lets the caller send the
   * part that fits (WouldBlockError.room) instead of waiting for space it may never get all at once.
   */
  private writable: number | undefined;

  constructor(
    from: TCP,
    callbacks: TcpCallbacks,
    private readonly budget: { open: number },
    where: string,
    log: Log,
  ) {
    budget.open++;
    // After an exception in its handler the connection's state is unknown: tell the handler it failed, and close.
    const fail = () => {
      callbacks.onError?.(new DeviceError('SOCKET_ERROR', 'closed after an error in its handler'));
      this.close();
    };
    const { onReadable, onWritable } = callbacks;
    this.socket = new TCP({
      from,
      onReadable: guarded(
        log,
        `${where}: reading`,
        (count: number) => {
          this.readable = count;
          onReadable?.(count);
        },
        fail,
      ),
      onWritable: guarded(
        log,
        `${where}: writing`,
        (count: number) => {
          this.writable = count;
          onWritable?.(count);
        },
        fail,
      ),
      // ECMA-419 reports the peer's close and a reset alike through onError; what was sent can still be read.
      onError: () => {
        if (callbacks.onClose) callbacks.onClose();
        else callbacks.onError?.(new DeviceError('SOCKET_ERROR', 'the connection closed'));
      },
    });
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  read(max?: number): Uint8Array | undefined {
    const count = max === undefined ? this.readable : Math.min(max, this.readable);
    if (count <= 0) return undefined;
    // The socket's format is "buffer" (the default), so read() gives an ArrayBuffer or undefined, never a number.
    const bytes = this.socket.read(count) as ArrayBuffer | undefined;
    if (bytes === undefined || bytes.byteLength === 0) {
      this.readable = 0;
      return undefined;
    }
    this.readable -= bytes.byteLength;
    return new Uint8Array(bytes);
  }

  write(bytes: Bytes): number {
    const length = bytes.byteLength;
    if (this.writable !== undefined && length > this.writable) throw new WouldBlockError(this.writable);
    let left: number | undefined;
    try {
      // Moddable's write() returns the free send buffer (lwIP tcp_sndbuf; lin its own buffer), though its typings
      // say void, and nothing once the connection has failed (onError follows).
      left = this.socket.write(bytes) as unknown as number | undefined;
    } catch {
      // ECMA-419 §10.8: write() throws when the bytes do not fit the socket's output buffer.
      this.writable = 0;
      throw new WouldBlockError(0);
    }
    this.writable = left ?? (this.writable === undefined ? undefined : Math.max(0, this.writable - length));
    return left ?? 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.open--;
    this.socket.close();
  }
}
