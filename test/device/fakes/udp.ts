/** Fake of `embedded:io/socket/udp`: datagrams go through a binding in the world the test reads and feeds. */
import { type UdpBinding, world } from './world.js';

export default class FakeUdp {
  private readonly binding: UdpBinding;

  constructor(options: { port?: number; onReadable?: (count: number) => void }) {
    this.binding = {
      port: options.port ?? 0,
      inbox: [],
      sent: [],
      onReadable: (count) => options.onReadable?.(count),
      closed: false,
    };
    world.udp.push(this.binding);
  }

  read(): (ArrayBuffer & { address: string; port: number }) | undefined {
    const datagram = this.binding.inbox.shift();
    if (!datagram) return undefined;
    return Object.assign(datagram.bytes.slice().buffer as ArrayBuffer, {
      address: datagram.address,
      port: datagram.port,
    });
  }

  write(bytes: ArrayBuffer | ArrayBufferView, address: string, port: number): void {
    const view = ArrayBuffer.isView(bytes)
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : new Uint8Array(bytes);
    this.binding.sent.push({ bytes: view.slice(), address, port });
  }

  close(): void {
    this.binding.closed = true;
  }
}
