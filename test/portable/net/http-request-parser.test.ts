import { HttpError } from '../../../src/net/http/errors.js';
import {
  HTTP_REQUEST_LIMITS,
  type HttpRequestHead,
  type HttpRequestLimits,
  HttpRequestParser,
} from '../../../src/net/http/request-parser.js';
import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { byteByByte, bytes, concat, random, splitAt, text } from './http-test-support.js';

type Event =
  | { head: Record<string, unknown> }
  | { body: string }
  | { end: true }
  | { error: string; status: number; offset: number | undefined };

/** Feed `chunks` to a fresh parser; returns its events (consecutive body pieces merged) and each push's result. */
function parse(chunks: Uint8Array[], limits: Partial<HttpRequestLimits> = {}) {
  const events: Event[] = [];
  let maxBuffered = 0;
  const parser = new HttpRequestParser({
    ...limits,
    onHead(head) {
      events.push({ head: plain(head) });
    },
    onBody(chunk) {
      ok(chunk.length > 0, 'onBody with an empty chunk');
      const last = events[events.length - 1];
      if (last && 'body' in last) last.body += text(chunk);
      else events.push({ body: text(chunk) });
    },
    onEnd() {
      events.push({ end: true });
    },
    onError(error) {
      ok(error instanceof HttpError, 'onError got something else than an HttpError');
      events.push({ error: error.code, status: error.status, offset: error.offset });
    },
  });
  const consumed = chunks.map((chunk) => {
    const n = parser.push(chunk);
    maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
    return n;
  });
  return { events, consumed, parser, maxBuffered };
}

function plain(head: HttpRequestHead): Record<string, unknown> {
  return { ...head, query: [...head.query], headers: [...head.headers] };
}

function errorOf(
  request: string,
  limits: Partial<HttpRequestLimits> = {},
): { error: string; status: number } {
  const { events } = parse([bytes(request)], limits);
  const last = events[events.length - 1];
  ok(last && 'error' in last, `expected an error, got ${JSON.stringify(events)}`);
  return { error: last.error, status: last.status };
}

const GET =
  'GET /api/info?chip=f103&name=a%20b+c&flag HTTP/1.1\r\nHost: airboot.local\r\nAccept: */*\r\n\r\n';

test('HTTP request: a GET from literal bytes', () => {
  const { events, consumed } = parse([bytes(GET)]);
  deepEqual(events, [
    {
      head: {
        method: 'GET',
        target: '/api/info?chip=f103&name=a%20b+c&flag',
        path: '/api/info',
        query: [
          ['chip', 'f103'],
          ['name', 'a b c'],
          ['flag', ''],
        ],
        version: 'HTTP/1.1',
        headers: [
          ['host', 'airboot.local'],
          ['accept', '*/*'],
        ],
        contentLength: 0,
        chunked: false,
        keepAlive: true,
      },
    },
    { end: true },
  ]);
  deepEqual(consumed, [GET.length]);
});

const POST =
  'POST /api/flash HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 11\r\n\r\nhello world';

test('HTTP request: a Content-Length body is streamed, then onEnd', () => {
  const { events } = parse([bytes(POST)]);
  equal(events.length, 3);
  deepEqual(events[1], { body: 'hello world' });
  deepEqual(events[2], { end: true });
  const head = (events[0] as { head: Record<string, unknown> }).head;
  equal(head['contentLength'], 11);
  equal(head['chunked'], false);
});

test('HTTP request: the body is never buffered whole (pieces arrive as the bytes do)', () => {
  const body: number[] = [];
  const parser = new HttpRequestParser({
    onHead() {},
    onBody: (chunk) => body.push(chunk.length),
    onError: (e) => ok(false, e.message),
  });
  const data = bytes(POST);
  const head = data.length - 11;
  parser.push(data.subarray(0, head + 4));
  deepEqual(body, [4]);
  parser.push(data.subarray(head + 4));
  deepEqual(body, [4, 7]);
});

const CHUNKED =
  'POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5;name=value\r\nhello\r\n' +
  '6 ; ext ; other="quoted"\r\n world\r\n' +
  '000\r\nX-Checksum: 1234\r\nX-Other: 5\r\n\r\n';

test('HTTP request: chunked body with extensions and trailers', () => {
  const { events } = parse([bytes(CHUNKED)]);
  equal(events.length, 3, JSON.stringify(events));
  const head = (events[0] as { head: Record<string, unknown> }).head;
  equal(head['chunked'], true);
  equal(head['contentLength'], undefined);
  deepEqual(events[1], { body: 'hello world' });
  deepEqual(events[2], { end: true });
});

const PIPELINED = `${POST}${GET}${CHUNKED}`;

test('HTTP request: pipelined requests in one chunk come out in order', () => {
  const { events, consumed } = parse([bytes(PIPELINED)]);
  deepEqual(
    events.map((e) => Object.keys(e)[0]),
    ['head', 'body', 'end', 'head', 'end', 'head', 'body', 'end'],
  );
  equal((events[3] as { head: Record<string, unknown> }).head['path'], '/api/info');
  deepEqual(consumed, [PIPELINED.length]);
});

test('HTTP request: every split offset gives the same events (GET, POST, chunked, pipelined)', () => {
  for (const request of [GET, POST, CHUNKED, PIPELINED]) {
    const data = bytes(request);
    const reference = parse([data]).events;
    for (let k = 0; k <= data.length; k++) {
      const { events, consumed } = parse(splitAt(data, k));
      deepEqual(events, reference, `split at ${k} of ${JSON.stringify(request.slice(0, 20))}`);
      deepEqual(consumed, [k, data.length - k]);
    }
    deepEqual(parse(byteByByte(data)).events, reference, 'byte by byte');
  }
});

test('HTTP request: every pair of split offsets gives the same events (chunked)', () => {
  const data = bytes(CHUNKED);
  const reference = parse([data]).events;
  for (let a = 0; a <= data.length; a += 1) {
    for (let b = a; b <= data.length; b += 3) {
      deepEqual(parse(splitAt(data, a, b)).events, reference, `split at ${a} and ${b}`);
    }
  }
});

test('HTTP request: bare LF line ends are accepted (RFC 9112 §2.2)', () => {
  const { events } = parse([bytes('POST /a HTTP/1.1\nHost: x\nContent-Length: 2\n\nok')]);
  deepEqual(
    events.map((e) => Object.keys(e)[0]),
    ['head', 'body', 'end'],
  );
});

test('HTTP request: empty lines before a request line are skipped', () => {
  const { events } = parse([bytes(`\r\n\r\n${GET}`)]);
  equal(events.length, 2);
  equal((events[0] as { head: Record<string, unknown> }).head['method'], 'GET');
});

test('HTTP request: repeated fields are joined with ", ", names lower-cased, values trimmed', () => {
  const { events } = parse([
    bytes('GET / HTTP/1.1\r\nHost: x\r\nX-List:  a \r\nx-list:\tb\r\nX-EMPTY:\r\n\r\n'),
  ]);
  const head = (events[0] as { head: { headers: [string, string][] } }).head;
  deepEqual(head.headers, [
    ['host', 'x'],
    ['x-list', 'a, b'],
    ['x-empty', ''],
  ]);
});

test('HTTP request: keep-alive follows the version and the Connection field (RFC 9112 §9.3)', () => {
  const keepAlive = (request: string) =>
    (parse([bytes(request)]).events[0] as { head: Record<string, unknown> }).head['keepAlive'];
  equal(keepAlive('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), true);
  equal(keepAlive('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), false);
  equal(keepAlive('GET / HTTP/1.0\r\n\r\n'), false);
  equal(keepAlive('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n'), true);
  equal(keepAlive('GET / HTTP/1.2\r\nHost: x\r\n\r\n'), true);
});

test('HTTP request: absolute-form and asterisk-form targets', () => {
  const head = (request: string) =>
    (parse([bytes(request)]).events[0] as { head: Record<string, unknown> }).head;
  const absolute = head(
    'GET http://airboot.local:8080/api/x%2Fy?q=1 HTTP/1.1\r\nHost: airboot.local\r\n\r\n',
  );
  equal(absolute['path'], '/api/x/y');
  deepEqual(absolute['query'], [['q', '1']]);
  equal(head('GET HTTP://h HTTP/1.1\r\nHost: h\r\n\r\n')['path'], '/');
  equal(head('GET http://h?z HTTP/1.1\r\nHost: h\r\n\r\n')['path'], '/');
  equal(head('OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n')['path'], '*');
  equal(head('GET /caf%C3%A9 HTTP/1.1\r\nHost: h\r\n\r\n')['path'], '/café');
});

test('HTTP request: Content-Length repeated with the same value is one length (RFC 9112 §6.3)', () => {
  const { events } = parse([
    bytes('PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc'),
  ]);
  deepEqual(events[1], { body: 'abc' });
});

test('HTTP request: each limit is enforced exactly at its value', () => {
  const line = (targetLength: number) => `GET /${'a'.repeat(targetLength - 1)} HTTP/1.1`;
  // "GET " + target + " HTTP/1.1" = target + 13 bytes.
  const limit = HTTP_REQUEST_LIMITS.maxRequestLineBytes;
  equal(parse([bytes(`${line(limit - 13)}\r\nHost: x\r\n\r\n`)]).events.length, 2);
  deepEqual(errorOf(`${line(limit - 12)}\r\nHost: x\r\n\r\n`), { error: 'URI_TOO_LONG', status: 414 });

  const field = (valueLength: number) => `X: ${'v'.repeat(valueLength)}`;
  equal(parse([bytes(`GET / HTTP/1.1\r\nHost: x\r\n${field(4093)}\r\n\r\n`)]).events.length, 2);
  deepEqual(errorOf(`GET / HTTP/1.1\r\nHost: x\r\n${field(4094)}\r\n\r\n`), {
    error: 'HEADERS_TOO_LARGE',
    status: 431,
  });

  const fields = (count: number) => Array.from({ length: count }, (_, i) => `F${i}: ${i}\r\n`).join('');
  equal(parse([bytes(`GET / HTTP/1.1\r\nHost: x\r\n${fields(31)}\r\n`)]).events.length, 2);
  deepEqual(errorOf(`GET / HTTP/1.1\r\nHost: x\r\n${fields(32)}\r\n`), {
    error: 'HEADERS_TOO_LARGE',
    status: 431,
  });

  // Header section: "Host: x\r\n" (9) + fields + final "\r\n" (2) against maxHeaderBytes 100.
  const small = { maxHeaderBytes: 100 };
  equal(parse([bytes(`GET / HTTP/1.1\r\nHost: x\r\nA: ${'b'.repeat(84)}\r\n\r\n`)], small).events.length, 2);
  deepEqual(errorOf(`GET / HTTP/1.1\r\nHost: x\r\nA: ${'b'.repeat(85)}\r\n\r\n`, small), {
    error: 'HEADERS_TOO_LARGE',
    status: 431,
  });

  const body = { maxBodyBytes: 10 };
  equal(
    parse([bytes('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789')], body).events.length,
    3,
  );
  deepEqual(errorOf('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n', body), {
    error: 'BODY_TOO_LARGE',
    status: 413,
  });
  const chunked = 'PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n';
  equal(parse([bytes(`${chunked}5\r\n56789\r\n0\r\n\r\n`)], body).events.length, 3);
  deepEqual(errorOf(`${chunked}6\r\n`, body), { error: 'BODY_TOO_LARGE', status: 413 });
  deepEqual(errorOf('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n'), {
    error: 'BODY_TOO_LARGE',
    status: 413,
  });
});

test('HTTP request: an over-long line fails before its end arrives (memory stays bounded)', () => {
  const { events, maxBuffered } = parse([bytes('GET /'), new Uint8Array(5000).fill(0x61)]);
  deepEqual(
    events.map((e) => ('error' in e ? e.error : '?')),
    ['URI_TOO_LONG'],
  );
  ok(maxBuffered <= HTTP_REQUEST_LIMITS.maxRequestLineBytes + 1);
  const fields = parse([bytes('GET / HTTP/1.1\r\nX: '), new Uint8Array(5000).fill(0x61)]);
  equal((fields.events[0] as { error: string }).error, 'HEADERS_TOO_LARGE');
});

test('HTTP request: framing errors (RFC 9112 §6)', () => {
  const post = 'POST / HTTP/1.1\r\nHost: x\r\n';
  const cases: [string, string, number][] = [
    [`${post}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n`, 'BAD_REQUEST', 400],
    [`${post}Transfer-Encoding: gzip\r\n\r\n`, 'BAD_REQUEST', 400],
    [`${post}Transfer-Encoding: chunked, gzip\r\n\r\n`, 'BAD_REQUEST', 400],
    [`${post}Transfer-Encoding: chunked, chunked\r\n\r\n`, 'BAD_REQUEST', 400],
    [`${post}Transfer-Encoding: gzip, chunked\r\n\r\n`, 'NOT_IMPLEMENTED', 501],
    [`${post}Transfer-Encoding: \r\n\r\n`, 'BAD_REQUEST', 400],
    ['POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 'BAD_REQUEST', 400],
    [`${post}Content-Length: 3\r\nContent-Length: 4\r\n\r\n`, 'BAD_REQUEST', 400],
    [`${post}Content-Length: -1\r\n\r\n`, 'BAD_REQUEST', 400],
    [`${post}Content-Length: 0x10\r\n\r\n`, 'BAD_REQUEST', 400],
    [`${post}Content-Length: \r\n\r\n`, 'BAD_REQUEST', 400],
  ];
  for (const [request, error, status] of cases) {
    deepEqual(errorOf(request), { error, status }, JSON.stringify(request));
  }
});

test('HTTP request: malformed chunked bodies → BAD_CHUNK', () => {
  const head = 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (const body of [
    'zz\r\n',
    ';ext\r\n',
    '5 junk\r\nhello\r\n0\r\n\r\n',
    '5\r\nhello!\r\n0\r\n\r\n',
    '5\r\nhelloXY',
    '5\r\nhello\r\n0\r\nnot a field\r\n\r\n',
    `5;${'e'.repeat(5000)}\r\n`,
    '5\x00\r\n',
  ]) {
    deepEqual(errorOf(head + body), { error: 'BAD_CHUNK', status: 400 }, JSON.stringify(body));
  }
});

test('HTTP request: malformed request lines and fields → 400, other versions → 505', () => {
  const cases: [string, string][] = [
    ['GET /  HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1 \r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET /\r\n\r\n', 'BAD_REQUEST'],
    ['G(T / HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/11\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET / http/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/2.0\r\nHost: x\r\n\r\n', 'UNSUPPORTED_VERSION'],
    ['GET / HTTP/0.9\r\n\r\n', 'UNSUPPORTED_VERSION'],
    ['GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET a/b HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET * HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET http:///a HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n', 'NOT_IMPLEMENTED'],
    ['GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET /%4 HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET /%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET /?a=%ff HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\n Host: x\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\nHost : x\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\nHost: x\r\n: empty name\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n', 'BAD_REQUEST'],
    ['GET / HTTP/1.1\r\r\nHost: x\r\n\r\n', 'BAD_REQUEST'],
    [`${'\r\n'.repeat(9)}GET / HTTP/1.1\r\nHost: x\r\n\r\n`, 'BAD_REQUEST'],
  ];
  for (const [request, code] of cases) equal(errorOf(request).error, code, JSON.stringify(request));
});

test('HTTP request: after an error the parser refuses input and reports nothing more', () => {
  const { events, consumed, parser } = parse([bytes('GET / HTTP/3.0\r\n\r\n'), bytes(GET)]);
  equal(events.length, 1);
  deepEqual(consumed, [0, 0]);
  equal(parser.failed?.code, 'UNSUPPORTED_VERSION');
  equal((events[0] as { offset: number }).offset, 16);
});

test('HTTP request: an HttpError thrown by onHead is reported through onError', () => {
  const errors: string[] = [];
  const parser = new HttpRequestParser({
    onHead() {
      throw new HttpError('BODY_TOO_LARGE', 'staging area is 64 KiB');
    },
    onBody: () => ok(false, 'no body after a refused head'),
    onError: (error) => errors.push(error.code),
  });
  parser.push(bytes(POST));
  deepEqual(errors, ['BODY_TOO_LARGE']);
  equal(parser.push(bytes(GET)), 0);
});

test('HTTP request: another error thrown by a callback escapes and stops the parser', () => {
  const parser = new HttpRequestParser({
    onHead() {
      throw new TypeError('bug');
    },
    onError: () => ok(false, 'not a protocol error'),
  });
  let thrown: unknown;
  try {
    parser.push(bytes(GET));
  } catch (error) {
    thrown = error;
  }
  ok(thrown instanceof TypeError);
  equal(parser.failed?.code, 'HANDLER_FAILED');
  equal(parser.push(bytes(GET)), 0);
});

test('HTTP request: pause() in onEnd leaves the following bytes to another protocol (upgrade)', () => {
  const upgrade = 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
  const frame = '\x81\x85\x01\x02\x03\x04';
  const seen: string[] = [];
  const parser = new HttpRequestParser({
    onHead: (head) => seen.push(head.path),
    onEnd: () => parser.pause(),
    onError: (e) => ok(false, e.message),
  });
  const data = bytes(upgrade + frame + GET);
  const consumed = parser.push(data);
  equal(consumed, upgrade.length);
  equal(parser.push(data.subarray(consumed)), 0, 'paused: consumes nothing');
  parser.resume();
  equal(parser.push(bytes(GET)), GET.length);
  deepEqual(seen, ['/ws', '/api/info']);
});

test('HTTP request: pause() in onHead stops before the body; resume() goes on', () => {
  const events: string[] = [];
  const parser = new HttpRequestParser({
    onHead: () => {
      events.push('head');
      parser.pause();
    },
    onBody: (chunk) => events.push(text(chunk)),
    onEnd: () => events.push('end'),
    onError: (e) => ok(false, e.message),
  });
  const data = bytes(POST + GET);
  const first = parser.push(data);
  equal(first, POST.length - 11);
  parser.resume();
  const second = parser.push(data.subarray(first));
  equal(second, 11 + GET.length);
  deepEqual(events, ['head', 'hello world', 'end', 'head']);
  parser.resume();
  equal(parser.push(new Uint8Array(0)), 0);
  deepEqual(
    events,
    ['head', 'hello world', 'end', 'head', 'end'],
    'a paused empty-body request ends on resume',
  );
  ok(parser.idle);
});

test('HTTP request: random bytes give an HttpError or nothing, never an exception', () => {
  const next = random(0x5eed);
  const alphabet = bytes('GET /HTP1.\r\n :\tHost-Lngth0123456789abcdefx;=%\x00\xff');
  for (let round = 0; round < 200; round++) {
    const length = Math.floor(next() * 300);
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) data[i] = alphabet[Math.floor(next() * alphabet.length)]!;
    const start =
      next() < 0.5
        ? bytes('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n')
        : new Uint8Array(0);
    const { events, maxBuffered } = parse(splitAt(concat(start, data), Math.floor(next() * length)), {
      maxRequestLineBytes: 64,
      maxHeaderLineBytes: 64,
    });
    const errors = events.filter((e) => 'error' in e);
    ok(errors.length <= 1, 'at most one error');
    if (errors.length) ok('error' in events[events.length - 1]!, 'nothing after the error');
    ok(maxBuffered <= 65, `buffered ${maxBuffered}`);
  }
});
