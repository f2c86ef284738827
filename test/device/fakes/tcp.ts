/** Fake of `embedded:io/socket/tcp`: adopts a connection from the fake listener. */
import type { TcpSocket } from '../../../src/io/contracts.js';
import type { PendingConnection } from './listener.js';
import { toArrayBuffer } from './world.js';

export default class FakeTcp {
  private readonly socket: TcpSocket;

  constructor(options: {
    from?: unknown;
    onReadable?: (count: number) => void;
    onWritable?: (count: number) => void;
    onError?: () => void;
  }) {
    const pending = options.from as PendingConnection | undefined;
    if (!pending) throw new Error('the fake TCP only adopts connections from a listener');
    this.socket = pending.socket;
    pending.callbacks.onReadable = options.onReadable;
    pending.callbacks.onWritable = options.onWritable;
    pending.callbacks.onError = options.onError;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress;
  }

  get remotePort(): number {
    return this.socket.remotePort;
  }

  /** As Moddable's TCP (modules/io/socket/lwip/tcp.c): read(n) throws "invalid" for n ≤ 0 or more than waits. */
  read(count?: number): ArrayBuffer | undefined {
    const waiting = (this.socket as TcpSocket & { readonly readable: number }).readable;
    if (waiting === 0) return undefined;
    if (count !== undefined && (count <= 0 || count > waiting)) throw new Error('invalid');
    const bytes = this.socket.read(count);
    return bytes && toArrayBuffer(bytes);
  }

  write(bytes: ArrayBuffer | ArrayBufferView): number {
    return this.socket.write(
      ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes,
    );
  }

  close(): void {
    this.socket.close();
  }
}
