/**
 * Fake of `embedded:io/socket/listener` over the world's LoopbackNetwork. `read()` adopts the next connection at
 * once, with callbacks that reach the TCP object the firmware makes from it next (fake tcp.ts).
 */
import type { Listener, TcpSocket } from '../../../src/io/contracts.js';
import { world } from './world.js';

/** What read() hands to `new TCP({ from })`: the socket and a slot for its callbacks. */
export interface PendingConnection {
  socket: TcpSocket;
  callbacks: {
    onReadable?: (count: number) => void;
    onWritable?: (count: number) => void;
    onError?: () => void;
  };
}

export default class FakeListener {
  private readonly listener: Listener;

  constructor(options: { port: number; onReadable?: (count: number) => void }) {
    this.listener = world.network.listen({
      port: options.port,
      onReadable: (count) => options.onReadable?.(count),
    });
  }

  read(): PendingConnection | undefined {
    const callbacks: PendingConnection['callbacks'] = {};
    const socket = this.listener.accept({
      onReadable: (count) => callbacks.onReadable?.(count),
      onWritable: (count) => callbacks.onWritable?.(count),
      // ECMA-419 has no onClose: the peer's end and a reset both come as onError.
      onClose: () => callbacks.onError?.(),
      onError: () => callbacks.onError?.(),
    });
    return socket && { socket, callbacks };
  }

  close(): void {
    this.listener.close();
  }
}
