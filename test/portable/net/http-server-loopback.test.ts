/**
 * The HTTP server over io/loopback-net.ts (bytes arrive later, in pieces, through bounded windows, on the
 * VirtualClock): the same ListenerProvider contract the Node and device adapters implement.
 */
import type { TcpSocket } from '../../../src/io/contracts.js';
import { LoopbackNetwork } from '../../../src/io/loopback-net.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { Router } from '../../../src/net/http/router.js';
import { HttpServer } from '../../../src/net/http/server.js';
import { encodeMaskedFrame, Opcode } from '../../../src/net/websocket/frame.js';
import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { parseResponses } from './http-client-support.js';
import { fnv1a, pattern } from './http-server-support.js';
import { bytes, concat, text } from './http-test-support.js';

function loopbackServer() {
  const clock = new VirtualClock();
  const network = new LoopbackNetwork(clock, { capacity: 4096, chunkBytes: 700 });
  const router = new Router();
  router.get('/api/status', (_context, response) => response.json(200, { state: 'running' }));
  router.post('/echo', ({ request }, response) => {
    let length = 0;
    let hash = 0x811c9dc5;
    request.read({
      onData(chunk) {
        length += chunk.length;
        hash = fnv1a(chunk, hash);
      },
      onEnd: () => response.json(200, { length, hash }),
    });
  });
  router.get('/ws', (_context, response) => {
    const ws = response.upgradeWebSocket({ timer: clock, onMessage: (data) => ws.send(data) });
  });
  const server = new HttpServer({ listen: network.listen, port: 0, timer: clock, handler: router.handler });
  return { clock, network, server };
}

/** A client that writes through the bounded window as fast as it opens and collects what comes back. */
function client(network: LoopbackNetwork, port: number) {
  const received: Uint8Array[] = [];
  const outgoing: Uint8Array[] = [];
  let closed = false;
  let socket: TcpSocket | undefined;
  const pump = () => {
    while (outgoing.length > 0) {
      const first = outgoing[0]!;
      try {
        socket!.write(first);
        outgoing.shift();
      } catch (error) {
        const room = (error as { room?: number }).room ?? 0;
        if (room <= 0) return;
        socket!.write(first.subarray(0, room));
        outgoing[0] = first.subarray(room);
      }
    }
  };
  socket = network.connect(port, {
    onReadable: () => {
      for (let bytes = socket!.read(); bytes; bytes = socket!.read()) received.push(bytes);
    },
    onWritable: pump,
    onClose: () => {
      closed = true;
    },
  });
  return {
    send(data: Uint8Array | string) {
      outgoing.push(typeof data === 'string' ? bytes(data) : data);
      pump();
    },
    get received() {
      return concat(...received);
    },
    get closed() {
      return closed;
    },
  };
}

test('HttpServer over the loopback network: keep-alive GETs and a 256 KiB upload through 4 KiB windows', async () => {
  const { clock, network, server } = loopbackServer();
  const c = client(network, server.port);
  const body = pattern(256 * 1024, 8);
  c.send('GET /api/status HTTP/1.1\r\nHost: b\r\n\r\n');
  c.send(`POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: ${body.length}\r\n\r\n`);
  c.send(body);
  c.send('GET /api/status HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n');
  for (let i = 0; i < 10000 && !c.closed; i++) await clock.advance(1);
  ok(c.closed, 'the server closed after Connection: close');
  const responses = parseResponses(c.received);
  deepEqual(
    responses.map((r) => r.status),
    [200, 200, 200],
  );
  deepEqual(JSON.parse(responses[1]!.bodyText), { length: body.length, hash: fnv1a(body) });
  equal(server.connections, 0);
});

test('HttpServer over the loopback network: WebSocket echo', async () => {
  const { clock, network, server } = loopbackServer();
  const c = client(network, server.port);
  c.send(
    'GET /ws HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  c.send(encodeMaskedFrame(Opcode.Text, 'over loopback', Uint8Array.of(9, 8, 7, 6)));
  await clock.advance(10);
  const all = text(c.received);
  ok(all.startsWith('HTTP/1.1 101 Switching Protocols\r\n'));
  // An unmasked server text frame of 13 bytes: 0x81 0x0d, then the text.
  ok(all.endsWith('\x81\x0dover loopback'), JSON.stringify(all.slice(-20)));
});
