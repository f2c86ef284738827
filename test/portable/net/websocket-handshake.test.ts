import { HttpError } from '../../../src/net/http/errors.js';
import { type HttpRequestHead, HttpRequestParser } from '../../../src/net/http/request-parser.js';
import { errorResponse } from '../../../src/net/http/response.js';
import { encodeMaskedFrame, Opcode } from '../../../src/net/websocket/frame.js';
import { WebSocketFrameParser } from '../../../src/net/websocket/frame-parser.js';
import {
  acceptWebSocket,
  isWebSocketUpgrade,
  type WebSocketHandshakeOptions,
  webSocketAccept,
} from '../../../src/net/websocket/handshake.js';
import { deepEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { bytes, concat, text } from './http-test-support.js';

/** The client handshake of RFC 6455 §1.2 (with §1.3's key). */
const REQUEST =
  'GET /chat HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Origin: http://example.com\r\n' +
  'Sec-WebSocket-Protocol: chat, superchat\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';

function head(request: string): HttpRequestHead {
  let got: HttpRequestHead | undefined;
  const parser = new HttpRequestParser({
    onHead: (h) => {
      got = h;
    },
    onError: (e) => {
      throw e;
    },
  });
  parser.push(bytes(request));
  ok(got, 'no head parsed');
  return got;
}

/** REQUEST with one field replaced (or removed when `value` is undefined). */
function variant(name: string, value: string | undefined, request = REQUEST): string {
  const lines = request.split('\r\n');
  const at = lines.findIndex((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  ok(at >= 0, `no ${name} in the request`);
  if (value === undefined) lines.splice(at, 1);
  else lines[at] = `${name}: ${value}`;
  return lines.join('\r\n');
}

function refused(request: string, options: WebSocketHandshakeOptions = {}): HttpError {
  const error = throws(() => acceptWebSocket(head(request), options));
  ok(error instanceof HttpError, `expected an HttpError, got ${error}`);
  return error;
}

test('WebSocket handshake: the accept value of RFC 6455 §1.3', () => {
  equal(webSocketAccept('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('WebSocket handshake: the 101 response of RFC 6455 §1.3, byte for byte', () => {
  const request = head(REQUEST);
  ok(isWebSocketUpgrade(request));
  const handshake = acceptWebSocket(request, { protocols: ['superchat', 'chat'] });
  equal(handshake.protocol, 'chat', "the client's first choice that the server speaks");
  equal(handshake.accept, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  equal(
    text(handshake.response),
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
      'Sec-WebSocket-Protocol: chat\r\n' +
      '\r\n',
  );
  const plain = acceptWebSocket(request, { headers: { 'X-Airboot': '1' } });
  equal(plain.protocol, undefined);
  ok(
    text(plain.response).endsWith(
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-Airboot: 1\r\n\r\n',
    ),
  );
});

test('WebSocket handshake: field values are matched as lists, case-insensitively', () => {
  const request = variant('Connection', 'keep-alive, UPGRADE', variant('Upgrade', 'WebSocket'));
  ok(acceptWebSocket(head(request)).response.length > 0);
});

test('WebSocket handshake: a request that is not an upgrade → 426 with Upgrade: websocket', () => {
  const error = refused(variant('Upgrade', undefined));
  equal(error.code, 'UPGRADE_REQUIRED');
  equal(error.status, 426);
  deepEqual(error.headers, [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
  ]);
  equal(refused(variant('Upgrade', 'h2c')).code, 'UPGRADE_REQUIRED');
  ok(text(errorResponse(error)).includes('\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n'));
});

test('WebSocket handshake: another version → 426 naming version 13 (RFC 6455 §4.2.2)', () => {
  const error = refused(variant('Sec-WebSocket-Version', '8'));
  equal(error.code, 'UPGRADE_REQUIRED');
  deepEqual(error.headers, [['Sec-WebSocket-Version', '13']]);
});

test('WebSocket handshake: malformed requests → 400 BAD_HANDSHAKE', () => {
  const cases = [
    REQUEST.replace('GET', 'POST'),
    REQUEST.replace('HTTP/1.1', 'HTTP/1.0'),
    variant('Connection', 'keep-alive'),
    variant('Connection', undefined),
    variant('Sec-WebSocket-Version', undefined),
    variant('Sec-WebSocket-Key', undefined),
    variant('Sec-WebSocket-Key', 'not base64!'),
    variant('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25j'), // 15 bytes
    variant('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZTE='), // 17 bytes
    `${variant('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==').replace('\r\n\r\n', '\r\n')}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
  ];
  for (const request of cases) {
    const error = refused(request);
    equal(error.code, 'BAD_HANDSHAKE', JSON.stringify(request));
    equal(error.status, 400);
  }
});

test('WebSocket handshake: the Origin check refuses foreign pages with 403', () => {
  const allowOrigin = (origin: string | undefined) =>
    origin === undefined || origin === 'http://airboot.local';
  const error = refused(REQUEST, { allowOrigin });
  equal(error.code, 'FORBIDDEN_ORIGIN');
  equal(error.status, 403);
  ok(acceptWebSocket(head(variant('Origin', 'http://airboot.local')), { allowOrigin }));
  ok(acceptWebSocket(head(variant('Origin', undefined)), { allowOrigin }));
});

test('WebSocket handshake: frames in the same chunk as the upgrade request reach the frame parser', () => {
  const key = Uint8Array.of(1, 2, 3, 4);
  const frames = concat(
    encodeMaskedFrame(Opcode.Text, 'hi', key),
    encodeMaskedFrame(Opcode.Binary, 'there', key),
  );
  const received: string[] = [];
  const ws = new WebSocketFrameParser({
    onData: (chunk) => received.push(text(chunk)),
    onError: (e) => ok(false, e.message),
  });
  let response: Uint8Array | undefined;
  const http = new HttpRequestParser({
    onHead: (h) => {
      response = acceptWebSocket(h).response;
    },
    onEnd: () => http.pause(),
    onError: (e) => ok(false, e.message),
  });
  const data = concat(bytes(REQUEST), frames);
  const consumed = http.push(data.subarray(0, REQUEST.length + 3));
  equal(consumed, REQUEST.length);
  ok(response);
  equal(ws.push(data.subarray(consumed, REQUEST.length + 3)), 3);
  equal(ws.push(data.subarray(REQUEST.length + 3)), frames.length - 3);
  deepEqual(received, ['hi', 'there']);
});
