import { decodeUtf8 } from '../../../src/net/encoding/utf8.js';
import type { Router } from '../../../src/net/http/router.js';
import type {
  WebSocketConnection,
  WebSocketConnectionOptions,
} from '../../../src/net/websocket/connection.js';
import { encodeFrame, encodeMaskedFrame, Opcode } from '../../../src/net/websocket/frame.js';
import { WebSocketFrameParser } from '../../../src/net/websocket/frame-parser.js';
import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import type { FakeClient } from './fake-listener.js';
import { parseResponses } from './http-client-support.js';
import { setup } from './http-server-support.js';
import { byteByByte, bytes, concat, text } from './http-test-support.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
/** RFC 6455 §1.3's example: this key gives this accept value. */
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const HANDSHAKE =
  'GET /ws/echo HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
const MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

type Frame =
  | { text: string }
  | { binary: number[] }
  | { ping: string }
  | { pong: string }
  | { close: number; reason: string };

/** What the server sent after its 101 head, read with a client-role parser. */
function framesFrom(client: FakeClient): Frame[] {
  const all = client.receivedText;
  const headEnd = all.indexOf('\r\n\r\n');
  ok(headEnd > 0, 'no handshake response');
  const frames: Frame[] = [];
  let opcode = 0;
  let parts: Uint8Array[] = [];
  const parser = new WebSocketFrameParser({
    role: 'client',
    onMessageStart: (op) => {
      opcode = op;
      parts = [];
    },
    onData: (chunk) => parts.push(chunk),
    onMessageEnd: () => {
      const data = concat(...parts);
      frames.push(opcode === Opcode.Text ? { text: decodeUtf8(data) } : { binary: Array.from(data) });
    },
    onPing: (data) => frames.push({ ping: text(data) }),
    onPong: (data) => frames.push({ pong: text(data) }),
    onClose: (code, reason) => frames.push({ close: code, reason }),
    onError: (error) => {
      throw error;
    },
  });
  parser.push(client.received.subarray(headEnd + 4));
  return frames;
}

function echoServer(options: Partial<WebSocketConnectionOptions> = {}, extra?: (router: Router) => void) {
  const events: string[] = [];
  const sockets: WebSocketConnection[] = [];
  const context = setup({}, (router) => {
    router.get('/ws/echo', (_context, response) => {
      const ws = response.upgradeWebSocket({
        timer: context.clock,
        onMessage: (data, binary) => {
          events.push(binary ? `binary ${(data as Uint8Array).length}` : `text ${data as string}`);
          ws.send(data);
        },
        onClose: (code, reason) => events.push(`close ${code} ${reason}`),
        onError: (error) => events.push(`error ${error.code}`),
        ...options,
      });
      sockets.push(ws);
    });
    extra?.(router);
  });
  return { ...context, events, sockets };
}

async function opened(context: ReturnType<typeof echoServer>, connectOptions = {}) {
  const client = context.connect(connectOptions);
  client.send(HANDSHAKE);
  await context.clock.advance(0);
  return client;
}

test('WebSocket: upgrade answers 101 with the RFC 6455 accept value; text and binary messages echo', async () => {
  const context = echoServer();
  const client = await opened(context);
  const [head] = parseResponses(
    bytes(client.receivedText.slice(0, client.receivedText.indexOf('\r\n\r\n') + 4)),
  );
  equal(head!.status, 101);
  equal(head!.headers.get('sec-websocket-accept'), ACCEPT);
  equal(head!.headers.get('upgrade'), 'websocket');
  for (const piece of byteByByte(encodeMaskedFrame(Opcode.Text, 'hällo', MASK))) client.send(piece);
  client.send(encodeMaskedFrame(Opcode.Binary, Uint8Array.of(0, 255, 7), MASK));
  // A fragmented message: two frames, then the end.
  client.send(encodeMaskedFrame(Opcode.Text, 'ab', MASK, false));
  client.send(encodeMaskedFrame(Opcode.Continuation, 'cd', MASK, true));
  deepEqual(context.events, ['text hällo', 'binary 3', 'text abcd']);
  deepEqual(framesFrom(client), [{ text: 'hällo' }, { binary: [0, 255, 7] }, { text: 'abcd' }]);
  ok(!client.serverClosed);
  equal(context.sockets[0]!.readyState, 'open');
});

test('WebSocket: frames in the same segment as the handshake are not lost', async () => {
  const context = echoServer();
  const client = context.connect();
  client.send(concat(bytes(HANDSHAKE), encodeMaskedFrame(Opcode.Text, 'early', MASK)));
  await context.clock.advance(0);
  deepEqual(context.events, ['text early']);
  deepEqual(framesFrom(client), [{ text: 'early' }]);
});

test('WebSocket: a ping is answered with a pong carrying its data', async () => {
  const context = echoServer();
  const client = await opened(context);
  client.send(encodeMaskedFrame(Opcode.Ping, 'are you there', MASK));
  deepEqual(framesFrom(client), [{ pong: 'are you there' }]);
});

test('WebSocket: after silence the server pings; a pong keeps the connection, no answer ends it (1006)', async () => {
  const context = echoServer({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
  const client = await opened(context);
  await context.clock.advance(1001);
  deepEqual(framesFrom(client), [{ ping: '' }]);
  client.send(encodeMaskedFrame(Opcode.Pong, '', MASK));
  await context.clock.advance(600);
  ok(!client.serverClosed, 'a pong came: still open');
  await context.clock.advance(1000);
  equal(framesFrom(client).length, 2, 'a second ping after another second of silence');
  await context.clock.advance(501);
  ok(client.serverClosed, 'no pong: dropped as dead');
  deepEqual(context.events, ['close 1006 no pong']);
  equal(context.server.connections, 0);
});

test('WebSocket: the client closes with 1000; the server echoes 1000 and closes the TCP connection', async () => {
  const context = echoServer();
  const client = await opened(context);
  client.send(encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8, 0x62, 0x79, 0x65), MASK));
  deepEqual(framesFrom(client), [{ close: 1000, reason: '' }]);
  ok(client.serverClosed);
  deepEqual(context.events, ['close 1000 bye']);
});

test('WebSocket: the server closes; the handshake completes on the reply, or times out without one', async () => {
  const context = echoServer({ closeTimeoutMs: 2000 });
  const polite = await opened(context);
  context.sockets[0]!.close(1001, 'going away');
  deepEqual(framesFrom(polite), [{ close: 1001, reason: 'going away' }]);
  equal(context.sockets[0]!.readyState, 'closing');
  equal(context.sockets[0]!.send('late'), false, 'nothing is sent after the close frame');
  polite.send(encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe9), MASK));
  ok(polite.serverClosed);
  const silent = await opened(context);
  context.sockets[1]!.close();
  await context.clock.advance(1999);
  ok(!silent.serverClosed);
  await context.clock.advance(2);
  ok(silent.serverClosed);
  deepEqual(context.events, ['close 1001 ', 'close 1006 no close frame from the peer']);
});

test('WebSocket: protocol errors close with the parser code — unmasked frame 1002, oversized message 1009', async () => {
  const context = echoServer({ maxMessageBytes: 16 });
  const unmasked = await opened(context);
  unmasked.send(encodeFrame(Opcode.Text, 'no mask'));
  deepEqual(framesFrom(unmasked), [{ close: 1002, reason: 'WS_UNMASKED' }]);
  ok(unmasked.serverClosed);
  const big = await opened(context);
  big.send(encodeMaskedFrame(Opcode.Binary, new Uint8Array(17), MASK));
  deepEqual(framesFrom(big), [{ close: 1009, reason: 'WS_TOO_BIG' }]);
  ok(big.serverClosed);
  deepEqual(context.events, [
    'error WS_UNMASKED',
    'close 1002 WS_UNMASKED',
    'error WS_TOO_BIG',
    'close 1009 WS_TOO_BIG',
  ]);
});

test('WebSocket: drop-oldest keeps the newest output for a client that stops reading, and counts drops', async () => {
  const context = echoServer({ maxQueuedBytes: 1000, overflow: 'drop-oldest' });
  const client = await opened(context, { window: 300, autoRead: false });
  client.read(); // the 101 response
  const ws = context.sockets[0]!;
  const line = (i: number) => `line ${String(i).padStart(3, '0')} ${'x'.repeat(80)}`;
  let maxQueued = 0;
  for (let i = 0; i < 100; i++) {
    ws.send(line(i));
    maxQueued = Math.max(maxQueued, ws.bufferedBytes);
  }
  ok(ws.droppedMessages > 50, `dropped ${ws.droppedMessages}`);
  equal(ws.droppedBytes, ws.droppedMessages * (line(0).length + 2));
  ok(maxQueued <= 1000, `queued ${maxQueued} bytes`);
  while (client.read() > 0) await context.clock.advance(0);
  const frames = framesFrom(client) as { text: string }[];
  equal(frames.length + ws.droppedMessages, 100);
  equal(frames[frames.length - 1]!.text, line(99), 'the newest line arrived');
  const numbers = frames.map((f) => Number(f.text.slice(5, 8)));
  deepEqual(
    numbers,
    numbers.slice().sort((a, b) => a - b),
    'in order',
  );
});

test('WebSocket: the default policy closes a connection whose output overflows', async () => {
  const context = echoServer({ maxQueuedBytes: 500 });
  const client = await opened(context, { window: 100, autoRead: false });
  const ws = context.sockets[0]!;
  let accepted = 0;
  for (let i = 0; i < 20; i++) if (ws.send('y'.repeat(100))) accepted++;
  ok(accepted < 20);
  equal(ws.readyState, 'closed');
  ok(client.serverClosed);
  deepEqual(context.events, ['close 1006 output queue overflow']);
});

test('WebSocket: streaming mode hands over message bytes as they arrive', async () => {
  const pieces: string[] = [];
  const context = echoServer({
    onMessageStart: (opcode) => pieces.push(`start ${opcode}`),
    onData: (chunk) => pieces.push(`data ${chunk.length}`),
    onMessageEnd: () => pieces.push('end'),
  });
  const client = await opened(context);
  const frame = encodeMaskedFrame(Opcode.Binary, new Uint8Array(300), MASK);
  client.send(frame.subarray(0, 100));
  client.send(frame.subarray(100));
  deepEqual(pieces, ['start 2', 'data 92', 'data 208', 'end']);
  deepEqual(context.events, [], 'onMessage is not called in streaming mode');
});

test('WebSocket: a bad handshake is refused with 400, a wrong version with 426 and the supported one', async () => {
  const context = echoServer();
  const noKey = context.connect();
  noKey.send(HANDSHAKE.replace(`Sec-WebSocket-Key: ${KEY}\r\n`, ''));
  equal(parseResponses(noKey.received)[0]!.status, 400);
  ok(noKey.serverClosed);
  const version = context.connect();
  version.send(HANDSHAKE.replace('Version: 13', 'Version: 8'));
  const [refused] = parseResponses(version.received);
  equal(refused!.status, 426);
  equal(refused!.headers.get('sec-websocket-version'), '13');
});
