/**
 * Input flow control of a WebSocketConnection (`inputRoom`/`resumeInput`): the application never gets more message
 * bytes than it has room for, bytes it cannot take stay unread in the socket (so TCP holds the peer back), and
 * reading resumes where it stopped — for data, pings, the peer's close frame and its end of stream alike.
 */
import type { WebSocketConnection } from '../../../src/net/websocket/connection.js';
import { encodeMaskedFrame, Opcode } from '../../../src/net/websocket/frame.js';
import { WebSocketFrameParser } from '../../../src/net/websocket/frame-parser.js';
import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import type { FakeClient } from './fake-listener.js';
import { setup } from './http-server-support.js';
import { concat, text } from './http-test-support.js';

const HANDSHAKE =
  'GET /ws/flow HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const MASK = Uint8Array.of(0x11, 0x22, 0x33, 0x44);

/** A server whose one route streams messages into `got`, taking at most `room.bytes` at a time. */
function flowServer(options: { pingIntervalMs?: number; pongTimeoutMs?: number } = {}) {
  const room = { bytes: 0 };
  const got: Uint8Array[] = [];
  const events: string[] = [];
  const sockets: WebSocketConnection[] = [];
  /** The largest piece onData was handed, and the room there was when it came. */
  const overshoot = { worst: 0 };
  const context = setup({}, (router) => {
    router.get('/ws/flow', (_context, response) => {
      const ws = response.upgradeWebSocket({
        timer: context.clock,
        ...options,
        inputRoom: () => room.bytes,
        onMessageStart: (opcode) => events.push(`start ${opcode}`),
        onData: (chunk) => {
          overshoot.worst = Math.max(overshoot.worst, chunk.length - room.bytes);
          room.bytes -= chunk.length;
          got.push(chunk);
        },
        onMessageEnd: () => events.push('end'),
        onClose: (code, reason) => events.push(`close ${code} ${reason}`),
      });
      sockets.push(ws);
    });
  });
  const open = async (): Promise<FakeClient> => {
    const client = context.connect();
    client.send(HANDSHAKE);
    await context.clock.advance(0);
    return client;
  };
  const received = () => concat(...got);
  return { ...context, room, got, events, sockets, overshoot, open, received };
}

/** Control frames the server sent after its 101 head. */
function controlFrames(client: FakeClient): string[] {
  const all = client.received;
  const start = text(all).indexOf('\r\n\r\n') + 4;
  const frames: string[] = [];
  const parser = new WebSocketFrameParser({
    role: 'client',
    onPing: (data) => frames.push(`ping ${text(data)}`),
    onPong: (data) => frames.push(`pong ${text(data)}`),
    onClose: (code) => frames.push(`close ${code}`),
    onError: (error) => {
      throw error;
    },
  });
  parser.push(all.subarray(start));
  return frames;
}

function data(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 13 + (i >> 8)) & 0xff);
}

test('WebSocket flow: the application gets no more than its room; the rest stays in the socket until resumeInput', async () => {
  const f = flowServer();
  const client = await f.open();
  const message = data(5000);
  f.room.bytes = 100;
  client.send(encodeMaskedFrame(Opcode.Binary, message, MASK));
  const ws = f.sockets[0]!;
  ok(ws.inputPaused, 'input is held');
  const first = f.received().length;
  ok(first > 0 && first <= 100, `took ${first} bytes with room for 100`);
  // What the connection could not take is the socket's (or the server's one read chunk), not a queue of its own.
  ok(f.server.bufferedBytes <= f.server.readChunkBytes, `server holds ${f.server.bufferedBytes} bytes`);
  await f.clock.advance(100);
  equal(f.received().length, first, 'nothing more arrives while there is no room');
  // Room frees a little at a time, as a UART would take it.
  for (let turn = 0; turn < 100 && f.received().length < message.length; turn++) {
    f.room.bytes = 700;
    ws.resumeInput();
  }
  equal(f.overshoot.worst <= 0, true, 'never more than the room');
  deepEqual(Array.from(f.received()), Array.from(message));
  deepEqual(f.events, ['start 2', 'end']);
  ok(client.maxInbound > 4000, 'the peer was held back in the socket');
});

test('WebSocket flow: a ping waits behind held data, is answered once reading resumes, and held input never looks dead', async () => {
  const f = flowServer({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
  const client = await f.open();
  f.room.bytes = 10;
  client.send(encodeMaskedFrame(Opcode.Binary, data(300), MASK));
  client.send(encodeMaskedFrame(Opcode.Ping, 'hi', MASK));
  deepEqual(controlFrames(client), [], 'the ping is still unread');
  // Far past ping interval + pong timeout: the peer's silence is ours (we do not read), so it is not dropped.
  await f.clock.advance(5000);
  const ws = f.sockets[0]!;
  equal(ws.readyState, 'open');
  ok(!client.serverClosed);
  f.room.bytes = 1000;
  ws.resumeInput();
  equal(f.received().length, 300);
  ok(controlFrames(client).includes('pong hi'), 'the ping is answered after the data');
  equal(ws.inputPaused, false);
});

test('WebSocket flow: the peer ends its stream while input is held; the rest is still delivered, then the connection closes', async () => {
  const f = flowServer();
  const client = await f.open();
  f.room.bytes = 50;
  const message = data(3000);
  client.send(encodeMaskedFrame(Opcode.Binary, message, MASK));
  client.end();
  await f.clock.advance(10);
  ok(!client.serverClosed, 'held input keeps the connection until it is read');
  equal(f.server.connections, 1);
  f.room.bytes = 1 << 20;
  f.sockets[0]!.resumeInput();
  deepEqual(Array.from(f.received()), Array.from(message));
  ok(client.serverClosed);
  equal(f.server.connections, 0);
  deepEqual(f.events, ['start 2', 'end', 'close 1006 connection lost']);
});

test("WebSocket flow: closing while input is held reads on to the peer's close frame, data after our close is dropped", async () => {
  const f = flowServer();
  const client = await f.open();
  f.room.bytes = 20;
  client.send(encodeMaskedFrame(Opcode.Binary, data(1000), MASK));
  client.send(encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8), MASK));
  const ws = f.sockets[0]!;
  ok(ws.inputPaused);
  ws.close(1001, 'going away');
  equal(ws.readyState, 'closed', "the peer's close frame was found behind the data");
  ok(f.received().length <= 20, 'no data past the room reached the application');
  deepEqual(controlFrames(client), ['close 1001']);
  deepEqual(f.events.slice(-1), ['close 1000 ']);
});
