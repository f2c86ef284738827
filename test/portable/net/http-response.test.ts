import { HttpError } from '../../../src/net/http/errors.js';
import { HttpRequestParser } from '../../../src/net/http/request-parser.js';
import {
  CHUNK_END,
  chunkHeader,
  encodeChunk,
  encodeResponse,
  encodeResponseHead,
  errorResponse,
  formatHttpDate,
  jsonResponse,
  lastChunk,
  reasonPhrase,
} from '../../../src/net/http/response.js';
import { bytesEqual, equal, throws } from '../assert.js';
import { test } from '../harness.js';
import { bytes, concat, text } from './http-test-support.js';

test('HTTP response: status line and fields in order, names as given', () => {
  equal(
    text(
      encodeResponseHead(200, [
        ['Content-Type', 'text/plain'],
        ['X-Repeat', 'a'],
        ['X-Repeat', 2],
      ]),
    ),
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Repeat: a\r\nX-Repeat: 2\r\n\r\n',
  );
  equal(
    text(encodeResponseHead(404, { 'Content-Length': 0 })),
    'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
  );
  equal(text(encodeResponseHead(299)), 'HTTP/1.1 299 \r\n\r\n');
  equal(text(encodeResponseHead(200, [], 'Fine')), 'HTTP/1.1 200 Fine\r\n\r\n');
  equal(reasonPhrase(431), 'Request Header Fields Too Large');
  equal(reasonPhrase(101), 'Switching Protocols');
});

test('HTTP response: fields that would split the response are refused', () => {
  throws(() => encodeResponseHead(200, { 'X-A': 'a\r\nSet-Cookie: x' }), {
    code: 'INVALID_RESPONSE_HEADER',
    status: 500,
  });
  throws(() => encodeResponseHead(200, { 'X A': 'b' }), { code: 'INVALID_RESPONSE_HEADER' });
  throws(() => encodeResponseHead(200, { 'X-A': 'snow \u2603' }), { code: 'INVALID_RESPONSE_HEADER' });
  throws(() => encodeResponseHead(200, [], 'OK\n'), { code: 'INVALID_RESPONSE_HEADER' });
  throws(() => encodeResponseHead(42), { code: 'INVALID_RESPONSE_HEADER' });
  equal(
    text(encodeResponseHead(200, { 'X-A': 'caf\u00e9\tok' })),
    'HTTP/1.1 200 OK\r\nX-A: caf\xe9\tok\r\n\r\n',
  );
});

test('HTTP response: a body gets its Content-Length in bytes (UTF-8 for text)', () => {
  equal(
    text(encodeResponse(200, { 'Content-Type': 'text/plain; charset=utf-8', 'content-length': 99 }, 'café')),
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\ncaf\xc3\xa9',
  );
  equal(
    text(jsonResponse(201, { ok: true, n: [1, 2] })),
    'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n{"ok":true,"n":[1,2]}',
  );
});

test('HTTP response: errorResponse carries status, code, required fields and Connection: close', () => {
  const error = new HttpError('UPGRADE_REQUIRED', 'needs WebSocket', undefined, [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
  ]);
  const body = JSON.stringify({ error: 'UPGRADE_REQUIRED', message: 'needs WebSocket' });
  equal(
    text(errorResponse(error)),
    'HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n' +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  const plain = text(errorResponse(new HttpError('URI_TOO_LONG', 'too long', 2049)));
  equal(plain.slice(0, plain.indexOf('\r\n')), 'HTTP/1.1 414 URI Too Long');
  equal(plain.includes('\r\nConnection: close\r\n'), true);
});

test('HTTP response: chunked writer output parses back with the request parser', () => {
  equal(
    text(encodeChunk(bytes('hello world, this is 31 bytes!!'))),
    '1f\r\nhello world, this is 31 bytes!!\r\n',
  );
  equal(encodeChunk(new Uint8Array(0)).length, 0, 'an empty chunk would end the body');
  equal(text(lastChunk()), '0\r\n\r\n');
  equal(text(chunkHeader(4096)), '1000\r\n');
  throws(() => chunkHeader(0), { name: 'RangeError' });
  const big = new Uint8Array(300).fill(0x41);
  const body = concat(encodeChunk(bytes('abc')), chunkHeader(big.length), big, CHUNK_END, lastChunk());
  const head = bytes('PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n');
  const got: Uint8Array[] = [];
  let ended = false;
  const parser = new HttpRequestParser({
    onHead() {},
    onBody: (chunk) => got.push(chunk.slice()),
    onEnd: () => {
      ended = true;
    },
    onError: (e) => {
      throw e;
    },
  });
  parser.push(concat(head, body));
  equal(ended, true);
  bytesEqual(concat(...got), concat(bytes('abc'), big));
});

test('HTTP response: IMF-fixdate (RFC 9110 §5.6.7)', () => {
  equal(formatHttpDate(784111777000), 'Sun, 06 Nov 1994 08:49:37 GMT');
  equal(formatHttpDate(0), 'Thu, 01 Jan 1970 00:00:00 GMT');
});
