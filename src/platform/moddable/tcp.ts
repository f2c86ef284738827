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
      onReadable: (count) => listen.onReadable(count),
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
    return new DeviceTcpSocket(from, callbacks, this.budget);
  }

  close(): void {
    closeInstance(this.socket);
  }
}

class DeviceTcpSocket implements TcpSocket {
  private readonly socket: TCP;
  private closed = false;

  constructor(
    from: TCP,
    callbacks: TcpCallbacks,
    private readonly budget: { open: number },
  ) {
    budget.open++;
    this.socket = new TCP({
      from,
      onReadable: callbacks.onReadable,
      onWritable: callbacks.onWritable,
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
    // The socket's format is "buffer" (the default), so read() gives an ArrayBuffer or undefined, never a number.
    const bytes = (max === undefined ? this.socket.read() : this.socket.read(max)) as ArrayBuffer | undefined;
    return bytes === undefined || bytes.byteLength === 0 ? undefined : new Uint8Array(bytes);
  }

  write(bytes: Bytes): number {
    try {
      // Moddable's lwIP write() returns the send buffer's free bytes (tcp_sndbuf), though its typings say void, and
      // nothing once the connection has failed (onError follows).
      return (this.socket.write(bytes) as unknown as number | undefined) ?? 0;
    } catch {
      // ECMA-419 §10.8: write() throws when the bytes do not fit the socket's output buffer.
      throw new WouldBlockError(0);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.open--;
    this.socket.close();
  }
}
