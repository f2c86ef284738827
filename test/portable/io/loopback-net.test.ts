import type { TcpSocket } from '../../../src/io/contracts.js';
import { LoopbackNetwork } from '../../../src/io/loopback-net.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { bytesEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 13 + seed) & 0xff);
}

/** A server that keeps every accepted socket and collects what each one receives. */
function server(network: LoopbackNetwork, port = 0) {
  const sockets: TcpSocket[] = [];
  const received: number[][] = [];
  const events: string[] = [];
  const listener = network.listen({
    port,
    onReadable: () => {
      for (;;) {
        const index = sockets.length;
        received.push([]);
        const socket = listener.accept({
          onReadable: () => {
            for (let bytes = socket?.read(); bytes; bytes = socket?.read()) received[index]!.push(...bytes);
          },
          onClose: () => events.push(`close ${index}`),
          onError: (error) => events.push(`error ${index} ${(error as { code?: string }).code}`),
        });
        if (!socket) {
          received.pop();
          return;
        }
        sockets.push(socket);
      }
    },
  });
  return { listener, sockets, received, events };
}

test('LoopbackNetwork: bytes arrive in order, in pieces, both ways', async () => {
  const clock = new VirtualClock();
  const network = new LoopbackNetwork(clock, { chunkBytes: 100, latencyMs: 2 });
  const s = server(network, 1234);
  const got: number[] = [];
  let deliveries = 0;
  const client = network.connect(1234, {
    onReadable: () => {
      deliveries++;
      got.push(...client.read(10_000)!);
    },
  });
  const up = pattern(1000, 1);
  client.write(up);
  await clock.advance(100);
  equal(s.sockets.length, 1);
  bytesEqual(Uint8Array.from(s.received[0]!), up);
  const down = pattern(777, 2);
  s.sockets[0]!.write(down);
  await clock.advance(100);
  bytesEqual(Uint8Array.from(got), down);
  equal(deliveries, 8, 'delivered in 100-byte pieces');
  equal(s.sockets[0]!.remoteAddress, '127.0.0.1');
  ok(s.sockets[0]!.remotePort >= 49152);
});

test('LoopbackNetwork: a reader that stops makes write() would-block, and onWritable follows its next read', async () => {
  const clock = new VirtualClock();
  const network = new LoopbackNetwork(clock, { capacity: 1000 });
  const listener = network.listen({ port: 7, onReadable: () => {} });
  let writable = 0;
  const client = network.connect(7, { onWritable: (room) => (writable = room) });
  equal(client.write(new Uint8Array(600)), 400);
  const error = throws(() => client.write(new Uint8Array(500)), { code: 'WOULD_BLOCK' });
  equal((error as unknown as { room: number }).room, 400);
  await clock.advance(10);
  const accepted = listener.accept({});
  ok(accepted);
  equal(writable, 0);
  equal(accepted.read(250)!.length, 250);
  await clock.advance(1);
  equal(writable, 650);
  equal(client.write(new Uint8Array(650)), 0);
});

test('LoopbackNetwork: close is seen by the peer after the bytes written before it; reset is an error', async () => {
  const clock = new VirtualClock();
  const network = new LoopbackNetwork(clock, { chunkBytes: 10 });
  const s = server(network);
  const port = s.listener.port;
  ok(port >= 49152);
  const first = network.connect(port, {});
  first.write(pattern(35, 3));
  first.close();
  const second = network.connect(port, {});
  second.reset();
  await clock.advance(10);
  equal(s.received[0]!.length, 35);
  equal(s.events.join(','), 'error 1 CONNECTION_RESET,close 0');
  throws(() => first.write(new Uint8Array(1)), { code: 'SOCKET_CLOSED' });
});

test('LoopbackNetwork: nobody listening is CONNECTION_REFUSED; a port in use is ADDRESS_IN_USE; close frees it', () => {
  const clock = new VirtualClock();
  const network = new LoopbackNetwork(clock);
  throws(() => network.connect(80, {}), { code: 'CONNECTION_REFUSED' });
  const listener = network.listen({ port: 80, onReadable: () => {} });
  throws(() => network.listen({ port: 80, onReadable: () => {} }), { code: 'ADDRESS_IN_USE' });
  listener.close();
  equal(network.ports.length, 0);
  network.listen({ port: 80, onReadable: () => {} });
});
