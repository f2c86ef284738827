/**
 * Property tests (fast-check) of the net/ codecs: random, truncated and oversized byte streams, cut into random
 * chunks, go into the HTTP request, multipart and WebSocket parsers. Whatever comes in, a parser reports at most
 * one error of its own class and nothing after it, never throws, and never holds more than its limits allow. Valid
 * generated messages come out identical however they are cut.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeUtf8 } from '../../src/net/encoding/index.js';
import {
  encodeChunk,
  HttpError,
  type HttpRequestHead,
  HttpRequestParser,
  lastChunk,
  MultipartParser,
} from '../../src/net/http/index.js';
import {
  closePayload,
  encodeMaskedFrame,
  Opcode,
  WebSocketFrameParser,
  WsError,
} from '../../src/net/websocket/index.js';
import { fuzzParameters } from './support/fuzz-budget.js';

/** Runs per property in CI; `npm run fuzz` scales them (support/fuzz-budget.ts). */
const RUNS = fuzzParameters(300);

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Cut `data` at the given points (any numbers; taken modulo the length, sorted). */
function cut(data: Uint8Array, points: number[]): Uint8Array[] {
  const offsets = [...new Set(points.map((p) => (data.length ? p % (data.length + 1) : 0)))].sort(
    (a, b) => a - b,
  );
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const offset of offsets) {
    pieces.push(data.slice(start, offset));
    start = offset;
  }
  pieces.push(data.slice(start));
  return pieces;
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });

/** Byte streams that look enough like the protocol to get past the first checks, mixed with raw noise. */
function streamOf(tokens: string[]): fc.Arbitrary<Uint8Array> {
  return fc
    .array(fc.oneof(fc.constantFrom(...tokens.map(latin1)), fc.uint8Array({ maxLength: 40 })), {
      maxLength: 40,
    })
    .map(concat);
}

const HTTP_TOKENS = [
  'GET / HTTP/1.1\r\n',
  'POST /api/flash?x=%41 HTTP/1.1\r\n',
  'Host: a\r\n',
  'Content-Length: 5\r\n',
  'Content-Length: 99999\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Connection: close\r\n',
  '\r\n',
  '\n',
  '5;x=y\r\nhello\r\n',
  'fffff\r\n',
  '0\r\n\r\n',
  ' folded\r\n',
  'X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  '%',
  '\r',
];

const HTTP_LIMITS = {
  maxRequestLineBytes: 48,
  maxHeaderLineBytes: 40,
  maxHeaderBytes: 120,
  maxHeaderCount: 5,
  maxBodyBytes: 64,
};

test('fuzz HTTP: any byte stream → events or one HttpError, bounded memory', () => {
  fc.assert(
    fc.property(streamOf(HTTP_TOKENS), cuts, (stream, points) => {
      let errors = 0;
      let afterError = 0;
      let bodyInRequest = 0;
      let maxBody = 0;
      const parser = new HttpRequestParser({
        ...HTTP_LIMITS,
        onHead: () => {
          afterError += errors;
          bodyInRequest = 0;
        },
        onBody: (chunk) => {
          afterError += errors;
          bodyInRequest += chunk.length;
          maxBody = Math.max(maxBody, bodyInRequest);
        },
        onEnd: () => {
          afterError += errors;
        },
        onError: (error) => {
          assert.ok(error instanceof HttpError, `not an HttpError: ${error}`);
          assert.ok(error.status >= 400 && error.status < 600);
          errors++;
        },
      });
      for (const chunk of cut(stream, points)) {
        const consumed = parser.push(chunk);
        assert.ok(consumed >= 0 && consumed <= chunk.length);
        assert.ok(
          parser.bufferedBytes <=
            Math.max(HTTP_LIMITS.maxRequestLineBytes, HTTP_LIMITS.maxHeaderLineBytes) + 1,
        );
      }
      assert.ok(errors <= 1);
      assert.equal(afterError, 0, 'an event after the error');
      assert.ok(maxBody <= HTTP_LIMITS.maxBodyBytes, `body of ${maxBody} bytes passed the limit`);
    }),
    RUNS,
  );
});

test('fuzz HTTP: oversized lines and sections fail with 414/431/413 before the buffer grows', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(
        'GET /',
        'GET / HTTP/1.1\r\nX: ',
        'GET / HTTP/1.1\r\nHost: a\r\n',
        'PUT / HTTP/1.1\r\nHost: a\r\n',
      ),
      fc.integer({ min: 200, max: 5000 }),
      cuts,
      (prefix, size, points) => {
        const filler = prefix.endsWith('\r\n')
          ? prefix.startsWith('PUT')
            ? `Content-Length: ${size}\r\n\r\n${'b'.repeat(size)}`
            : 'F: v\r\n'.repeat(size)
          : 'a'.repeat(size);
        const codes: string[] = [];
        const parser = new HttpRequestParser({
          ...HTTP_LIMITS,
          onHead() {},
          onError: (error) => codes.push(error.code),
        });
        for (const chunk of cut(latin1(prefix + filler), points)) {
          parser.push(chunk);
          assert.ok(parser.bufferedBytes <= 49);
        }
        assert.equal(codes.length, 1);
        assert.ok(['URI_TOO_LONG', 'HEADERS_TOO_LARGE', 'BODY_TOO_LARGE'].includes(codes[0]!), codes[0]);
      },
    ),
    fuzzParameters(100),
  );
});

interface GeneratedRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body: Uint8Array;
  chunks: number[];
}

const requestArb: fc.Arbitrary<GeneratedRequest> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  path: fc
    .array(fc.stringMatching(/^[a-z0-9._~-]{1,8}$/), { maxLength: 4 })
    .map((parts) => `/${parts.join('/')}`),
  headers: fc.array(fc.tuple(fc.stringMatching(/^x-[a-z]{1,10}$/), fc.stringMatching(/^[ -~]{0,30}$/)), {
    maxLength: 6,
  }),
  body: fc.uint8Array({ maxLength: 300 }),
  chunks: fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 5 }),
});

/** The request as bytes, with Content-Length or (when `chunks` is not empty) chunked coding; and what it means. */
function serialise(request: GeneratedRequest): Uint8Array {
  const chunked = request.chunks.length > 0;
  let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: fuzz\r\n`;
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
  head += chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${request.body.length}\r\n\r\n`;
  if (!chunked) return concat([latin1(head), request.body]);
  const parts = [latin1(head)];
  let at = 0;
  for (let i = 0; at < request.body.length; i++) {
    const size = request.chunks[i % request.chunks.length]!;
    parts.push(encodeChunk(request.body.subarray(at, at + size)));
    at += size;
  }
  parts.push(lastChunk());
  return concat(parts);
}

test('fuzz HTTP: generated pipelined requests come out the same however the stream is cut', () => {
  fc.assert(
    fc.property(fc.array(requestArb, { minLength: 1, maxLength: 4 }), cuts, (requests, points) => {
      const heads: HttpRequestHead[] = [];
      const bodies: Uint8Array[][] = [];
      const parser = new HttpRequestParser({
        onHead: (head) => {
          heads.push(head);
          bodies.push([]);
        },
        onBody: (chunk) => bodies[bodies.length - 1]!.push(chunk.slice()),
        onError: (error) => assert.fail(error.message),
      });
      for (const chunk of cut(concat(requests.map(serialise)), points)) parser.push(chunk);
      assert.equal(heads.length, requests.length);
      requests.forEach((request, i) => {
        assert.equal(heads[i]!.method, request.method);
        assert.equal(heads[i]!.path, request.path);
        for (const [name] of request.headers) assert.ok(heads[i]!.headers.has(name));
        assert.deepEqual(concat(bodies[i]!), request.body);
      });
      assert.ok(parser.idle);
    }),
    fuzzParameters(200),
  );
});

test('fuzz HTTP: a truncated valid request gives a prefix of its events and no error', () => {
  fc.assert(
    fc.property(requestArb, fc.nat(), (request, at) => {
      const data = serialise(request);
      const events: string[] = [];
      const parser = new HttpRequestParser({
        onHead: () => events.push('head'),
        onBody: () => events.push('body'),
        onEnd: () => events.push('end'),
        onError: (error) => assert.fail(error.message),
      });
      parser.push(data.subarray(0, at % (data.length + 1)));
      assert.ok(events.length === 0 || events[0] === 'head');
      assert.ok(events.indexOf('end') === -1 || events.indexOf('end') === events.length - 1);
    }),
    RUNS,
  );
});

const BOUNDARY = 'fuzzBoundary123';
const MULTIPART_TOKENS = [
  `--${BOUNDARY}\r\n`,
  `\r\n--${BOUNDARY}`,
  `\r\n--${BOUNDARY}--`,
  `--${BOUNDARY}--`,
  'Content-Disposition: form-data; name="f"\r\n',
  'Content-Disposition: form-data; name="f"; filename="x.bin"\r\n',
  'Content-Type: application/octet-stream\r\n',
  '\r\n',
  '\r\n--fuzz',
  '\r',
];

test('fuzz multipart: any byte stream → parts or one HttpError, bounded memory', () => {
  fc.assert(
    fc.property(streamOf(MULTIPART_TOKENS), cuts, fc.boolean(), (stream, points, callEnd) => {
      let errors = 0;
      let afterError = 0;
      const parser = new MultipartParser({
        contentType: `multipart/form-data; boundary=${BOUNDARY}`,
        maxPartHeaderBytes: 100,
        maxParts: 4,
        onPartHead: () => {
          afterError += errors;
        },
        onPartData: () => {
          afterError += errors;
        },
        onError: (error) => {
          assert.ok(error instanceof HttpError, `not an HttpError: ${error}`);
          errors++;
        },
      });
      for (const chunk of cut(stream, points)) {
        parser.push(chunk);
        assert.ok(parser.bufferedBytes <= 101);
      }
      if (callEnd) parser.end();
      assert.ok(errors <= 1);
      assert.equal(afterError, 0);
      if (callEnd) assert.ok(parser.done !== (errors === 1), 'complete, or failed');
    }),
    RUNS,
  );
});

test('fuzz multipart: generated forms round-trip however they are cut, boundary look-alikes included', () => {
  const contentArb = fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 30 }),
        fc.constantFrom(...['\r\n--fuzzBoundary12', '\r\r\n-', '--'].map(latin1)),
      ),
      { maxLength: 8 },
    )
    .map(concat)
    // RFC 2046 §5.1.1: the sender picks a boundary that does not occur in the content.
    .filter((content) => !Buffer.from(content).includes(`\r\n--${BOUNDARY}`));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), contentArb), { minLength: 1, maxLength: 4 }),
      cuts,
      (parts, points) => {
        const body = concat([
          ...parts.flatMap(([name, content]) => [
            latin1(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
            content,
            latin1('\r\n'),
          ]),
          latin1(`--${BOUNDARY}--\r\n`),
        ]);
        const got: { name: string; data: Uint8Array[] }[] = [];
        let ended = false;
        const parser = new MultipartParser({
          contentType: `multipart/form-data; boundary="${BOUNDARY}"`,
          onPartHead: (part) => got.push({ name: part.name, data: [] }),
          onPartData: (chunk) => got[got.length - 1]!.data.push(chunk.slice()),
          onEnd: () => {
            ended = true;
          },
          onError: (error) => assert.fail(error.message),
        });
        for (const chunk of cut(body, points)) parser.push(chunk);
        parser.end();
        assert.ok(ended);
        assert.deepEqual(
          got.map((p) => [p.name, concat(p.data)]),
          parts.map(([name, content]) => [name, content]),
        );
      },
    ),
    RUNS,
  );
});

const WS_TOKENS = [
  '\x81\x85',
  '\x82\xfe\x01\x00',
  '\x01\x81',
  '\x80\x80',
  '\x89\x80',
  '\x88\x82',
  '\x82\xff',
  '\x00\x00\x00\x00',
];

test('fuzz WebSocket: any byte stream → messages or one WsError, bounded memory', () => {
  fc.assert(
    fc.property(
      streamOf(WS_TOKENS),
      cuts,
      fc.constantFrom('server', 'client') as fc.Arbitrary<'server' | 'client'>,
      (stream, points, role) => {
        let errors = 0;
        let afterError = 0;
        let message = 0;
        const parser = new WebSocketFrameParser({
          role,
          maxMessageBytes: 200,
          onMessageStart: () => {
            afterError += errors;
            message = 0;
          },
          onData: (chunk) => {
            afterError += errors;
            message += chunk.length;
            assert.ok(message <= 200, 'message over the limit delivered');
          },
          onPing: (data) => assert.ok(data.length <= 125),
          onError: (error) => {
            assert.ok(error instanceof WsError, `not a WsError: ${error}`);
            assert.ok([1002, 1007, 1009].includes(error.closeCode));
            errors++;
          },
        });
        for (const chunk of cut(stream, points)) {
          const consumed = parser.push(chunk);
          assert.ok(consumed >= 0 && consumed <= chunk.length);
          assert.ok(parser.bufferedBytes <= 14 + 125);
        }
        assert.ok(errors <= 1);
        assert.equal(afterError, 0);
      },
    ),
    RUNS,
  );
});

test('fuzz WebSocket: generated fragmented messages with pings round-trip however they are cut', () => {
  const messageArb = fc.record({
    text: fc.boolean(),
    content: fc.string({ unit: 'grapheme', maxLength: 60 }),
    binary: fc.uint8Array({ maxLength: 400 }),
    fragments: fc.array(fc.nat(), { maxLength: 4 }),
    ping: fc.boolean(),
    key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  });
  fc.assert(
    fc.property(fc.array(messageArb, { minLength: 1, maxLength: 4 }), cuts, (messages, points) => {
      const frames: Uint8Array[] = [];
      const expected: [number, Uint8Array][] = [];
      for (const m of messages) {
        const payload = m.text ? encodeUtf8(m.content) : m.binary;
        expected.push([m.text ? Opcode.Text : Opcode.Binary, payload]);
        // Cut the payload anywhere, even inside a UTF-8 character: validity is per message (RFC 6455 §5.6).
        const offsets = [...new Set(m.fragments.map((f) => f % (payload.length + 1)))].sort((a, b) => a - b);
        let start = 0;
        const pieces = [...offsets, payload.length].map((end) => {
          const piece = payload.subarray(start, end);
          start = end;
          return piece;
        });
        pieces.forEach((piece, i) => {
          const opcode = i === 0 ? (m.text ? Opcode.Text : Opcode.Binary) : Opcode.Continuation;
          frames.push(encodeMaskedFrame(opcode, piece, m.key, i === pieces.length - 1));
          if (m.ping && i === 0) frames.push(encodeMaskedFrame(Opcode.Ping, 'p', m.key));
        });
      }
      frames.push(encodeMaskedFrame(Opcode.Close, closePayload(1000, 'done'), Uint8Array.of(1, 2, 3, 4)));
      const got: [number, Uint8Array[]][] = [];
      let closed = '';
      const parser = new WebSocketFrameParser({
        onMessageStart: (opcode) => got.push([opcode, []]),
        onData: (chunk) => got[got.length - 1]![1].push(chunk),
        onClose: (code, reason) => {
          closed = `${code} ${reason}`;
        },
        onError: (error) => assert.fail(error.message),
      });
      for (const chunk of cut(concat(frames), points)) parser.push(chunk);
      assert.equal(closed, '1000 done');
      assert.deepEqual(
        got.map(([opcode, data]) => [opcode, concat(data)]),
        expected,
      );
    }),
    RUNS,
  );
});
