import { encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { WsError } from '../../../src/net/websocket/errors.js';
import {
  CloseCode,
  closePayload,
  encodeCloseFrame,
  encodeFrame,
  encodeFrameHeader,
  encodeMaskedFrame,
  Opcode,
} from '../../../src/net/websocket/frame.js';
import {
  WebSocketFrameParser,
  type WebSocketFrameParserOptions,
} from '../../../src/net/websocket/frame-parser.js';
import { bytesEqual, deepEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { byteByByte, bytes, concat, random, splitAt, text } from './http-test-support.js';

type Event =
  | { start: number }
  | { data: string }
  | { end: true }
  | { ping: string }
  | { pong: string }
  | { close: [number, string] }
  | { error: string; closeCode: number };

type Options = Omit<WebSocketFrameParserOptions, 'onError'>;

function parse(chunks: Uint8Array[], options: Options = {}) {
  const events: Event[] = [];
  let maxBuffered = 0;
  const parser = new WebSocketFrameParser({
    ...options,
    onMessageStart: (opcode) => events.push({ start: opcode }),
    onData(chunk) {
      ok(chunk.length > 0, 'onData with an empty chunk');
      const last = events[events.length - 1];
      if (last && 'data' in last) last.data += text(chunk);
      else events.push({ data: text(chunk) });
    },
    onMessageEnd: () => events.push({ end: true }),
    onPing: (data) => events.push({ ping: text(data) }),
    onPong: (data) => events.push({ pong: text(data) }),
    onClose: (code, reason) => events.push({ close: [code, reason] }),
    onError(error) {
      ok(error instanceof WsError);
      events.push({ error: error.code, closeCode: error.closeCode });
    },
  });
  const consumed = chunks.map((chunk) => {
    const n = parser.push(chunk);
    maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
    return n;
  });
  return { events, consumed, parser, maxBuffered };
}

const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

test('WebSocket frames: the examples of RFC 6455 §5.7, encoded and parsed', () => {
  const unmaskedHello = Uint8Array.of(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f);
  const maskedHello = Uint8Array.of(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);
  const fragments = Uint8Array.of(0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f);
  const ping = Uint8Array.of(0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f);
  const maskedPong = Uint8Array.of(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);
  bytesEqual(encodeFrame(Opcode.Text, 'Hello'), unmaskedHello);
  bytesEqual(encodeMaskedFrame(Opcode.Text, 'Hello', KEY), maskedHello);
  bytesEqual(
    concat(encodeFrame(Opcode.Text, 'Hel', false), encodeFrame(Opcode.Continuation, 'lo')),
    fragments,
  );
  bytesEqual(encodeFrame(Opcode.Ping, 'Hello'), ping);
  bytesEqual(encodeMaskedFrame(Opcode.Pong, 'Hello', KEY), maskedPong);
  bytesEqual(encodeFrameHeader(Opcode.Binary, 256), Uint8Array.of(0x82, 0x7e, 0x01, 0x00));
  bytesEqual(encodeFrameHeader(Opcode.Binary, 65536), Uint8Array.of(0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0));

  const hello = [{ start: Opcode.Text }, { data: 'Hello' }, { end: true }];
  deepEqual(parse([maskedHello]).events, hello, 'server side: masked');
  deepEqual(parse([unmaskedHello], { role: 'client' }).events, hello, 'client side: unmasked');
  deepEqual(parse([fragments], { role: 'client' }).events, hello, 'fragmented');
  deepEqual(parse([concat(ping, unmaskedHello)], { role: 'client' }).events, [{ ping: 'Hello' }, ...hello]);
  deepEqual(parse([maskedPong]).events, [{ pong: 'Hello' }]);
});

/** A payload of `length` bytes that is valid UTF-8 and not periodic with the mask. */
function payloadOf(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => 0x20 + ((i * 7) % 90));
}

test('WebSocket frames: each length class (7, 16, 64-bit), split at every offset of the header', () => {
  for (const length of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
    const payload = payloadOf(length);
    const frame = encodeMaskedFrame(Opcode.Binary, payload, KEY);
    const headerSize = 2 + (length > 65535 ? 8 : length > 125 ? 2 : 0) + 4;
    equal(frame.length - length, headerSize, `header size for ${length}`);
    for (let k = 0; k <= headerSize + 1 && k <= frame.length; k++) {
      // Bytes are gathered as bytes here: turning 70000 of them into text for every split is slow on XS.
      const received: Uint8Array[] = [];
      const events: string[] = [];
      const parser = new WebSocketFrameParser({
        maxMessageBytes: 70000,
        onMessageStart: (opcode) => events.push(`start ${opcode}`),
        onData: (chunk) => received.push(chunk),
        onMessageEnd: () => events.push('end'),
        onError: (error) => events.push(error.code),
      });
      const [a, b] = splitAt(frame, k) as [Uint8Array, Uint8Array];
      deepEqual([parser.push(a), parser.push(b)], [k, frame.length - k]);
      deepEqual(events, [`start ${Opcode.Binary}`, 'end'], `length ${length} split at ${k}`);
      bytesEqual(concat(...received), payload, `length ${length} split at ${k}`);
    }
  }
});

test('WebSocket frames: a stream of frames split at every offset, and byte by byte', () => {
  const stream = concat(
    encodeMaskedFrame(Opcode.Text, 'caf', Uint8Array.of(1, 2, 3, 4), false),
    encodeMaskedFrame(Opcode.Ping, 'are you there', Uint8Array.of(9, 8, 7, 6)),
    encodeMaskedFrame(Opcode.Continuation, Uint8Array.of(0xc3), Uint8Array.of(5, 5, 5, 5), false),
    encodeMaskedFrame(Opcode.Continuation, Uint8Array.of(0xa9, 0x21), Uint8Array.of(0, 0, 0, 0)),
    encodeMaskedFrame(Opcode.Binary, payloadOf(300), Uint8Array.of(0xff, 0, 0xff, 0)),
    encodeMaskedFrame(Opcode.Pong, '', Uint8Array.of(1, 1, 1, 1)),
    encodeMaskedFrame(Opcode.Close, closePayload(1001, 'bye'), Uint8Array.of(2, 2, 2, 2)),
  );
  const expected: Event[] = [
    { start: Opcode.Text },
    { data: 'caf' },
    { ping: 'are you there' },
    { data: '\xc3\xa9!' },
    { end: true },
    { start: Opcode.Binary },
    { data: text(payloadOf(300)) },
    { end: true },
    { pong: '' },
    { close: [1001, 'bye'] },
  ];
  deepEqual(parse([stream]).events, expected);
  for (let k = 0; k <= stream.length; k++)
    deepEqual(parse(splitAt(stream, k)).events, expected, `split at ${k}`);
  const { events, maxBuffered } = parse(byteByByte(stream));
  deepEqual(events, expected);
  ok(maxBuffered <= 14 + 125);
});

test('WebSocket frames: a character split across fragments is valid; a broken one fails with 1007', () => {
  const euro = encodeUtf8('€'); // e2 82 ac
  for (let cut = 1; cut < 3; cut++) {
    const stream = concat(
      encodeMaskedFrame(Opcode.Text, euro.subarray(0, cut), KEY, false),
      encodeMaskedFrame(Opcode.Continuation, euro.subarray(cut), KEY),
    );
    deepEqual(parse([stream]).events, [{ start: Opcode.Text }, { data: '\xe2\x82\xac' }, { end: true }]);
  }
  const truncated = concat(
    encodeMaskedFrame(Opcode.Text, euro.subarray(0, 2), KEY, false),
    encodeMaskedFrame(Opcode.Continuation, '', KEY),
  );
  deepEqual(parse([truncated]).events.slice(-1), [{ error: 'WS_BAD_UTF8', closeCode: 1007 }]);
  const wrong = concat(
    encodeMaskedFrame(Opcode.Text, euro.subarray(0, 2), KEY, false),
    encodeMaskedFrame(Opcode.Continuation, 'x', KEY),
  );
  const { events } = parse([wrong]);
  deepEqual(events.slice(-1), [{ error: 'WS_BAD_UTF8', closeCode: 1007 }]);
  ok(!events.some((e) => 'data' in e && e.data.includes('x')), 'the bad bytes are not delivered');
  deepEqual(
    parse([encodeMaskedFrame(Opcode.Binary, euro.subarray(0, 2), KEY)]).events,
    [{ start: Opcode.Binary }, { data: '\xe2\x82' }, { end: true }],
    'binary messages are not checked',
  );
});

test('WebSocket frames: close frames, with and without a status', () => {
  deepEqual(parse([encodeMaskedFrame(Opcode.Close, '', KEY)]).events, [{ close: [1005, ''] }]);
  deepEqual(parse([encodeMaskedFrame(Opcode.Close, closePayload(4000, 'naïve'), KEY)]).events, [
    { close: [4000, 'naïve'] },
  ]);
  const close = encodeMaskedFrame(Opcode.Close, closePayload(1000), KEY);
  const after = encodeMaskedFrame(Opcode.Text, 'late', KEY);
  const { events, consumed, parser } = parse([concat(close, after), after]);
  deepEqual(events, [{ close: [1000, ''] }]);
  deepEqual(consumed, [close.length, 0], 'nothing after the close frame is consumed');
  ok(parser.closed);
  bytesEqual(encodeCloseFrame(1001, 'restart'), bytes('\x88\x09\x03\xe9restart'));
  bytesEqual(encodeCloseFrame(), Uint8Array.of(0x88, 0x02, 0x03, 0xe8));
});

test('WebSocket frames: every protocol error has its code and close status', () => {
  const masked = (first: number, second: number, ...rest: number[]) =>
    Uint8Array.of(first, second | 0x80, ...KEY, ...rest);
  const cases: [Uint8Array, string, number, Options?][] = [
    [Uint8Array.of(0x81, 0x02, 0x68, 0x69), 'WS_UNMASKED', 1002],
    [encodeMaskedFrame(Opcode.Text, 'hi', KEY), 'WS_MASKED', 1002, { role: 'client' }],
    [masked(0xc1, 0), 'WS_RSV', 1002],
    [masked(0xa1, 0), 'WS_RSV', 1002],
    [masked(0x91, 0), 'WS_RSV', 1002],
    [masked(0x83, 0), 'WS_BAD_OPCODE', 1002],
    [masked(0x8b, 0), 'WS_BAD_OPCODE', 1002],
    [masked(0x89, 126, 0, 126), 'WS_CONTROL_TOO_LONG', 1002],
    [masked(0x09, 0), 'WS_FRAGMENTED_CONTROL', 1002],
    [masked(0x80, 0), 'WS_UNEXPECTED_CONTINUATION', 1002],
    [concat(masked(0x01, 0), masked(0x81, 0)), 'WS_EXPECTED_CONTINUATION', 1002],
    [concat(masked(0x01, 0), masked(0x02, 0)), 'WS_EXPECTED_CONTINUATION', 1002],
    [Uint8Array.of(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, ...KEY), 'WS_BAD_LENGTH', 1002],
    [encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03), KEY), 'WS_BAD_CLOSE_FRAME', 1002],
    [encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xed), KEY), 'WS_BAD_CLOSE_CODE', 1002], // 1005
    [encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xee), KEY), 'WS_BAD_CLOSE_CODE', 1002], // 1006
    [encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe7), KEY), 'WS_BAD_CLOSE_CODE', 1002], // 999
    [encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x13, 0x88), KEY), 'WS_BAD_CLOSE_CODE', 1002], // 5000
    [encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8, 0xff), KEY), 'WS_BAD_UTF8', 1007],
    [encodeMaskedFrame(Opcode.Text, Uint8Array.of(0x61, 0xc0, 0x80), KEY), 'WS_BAD_UTF8', 1007],
    [
      encodeMaskedFrame(Opcode.Binary, new Uint8Array(101), KEY),
      'WS_TOO_BIG',
      1009,
      { maxMessageBytes: 100 },
    ],
    [
      concat(
        encodeMaskedFrame(Opcode.Binary, new Uint8Array(60), KEY, false),
        encodeMaskedFrame(Opcode.Continuation, new Uint8Array(41), KEY),
      ),
      'WS_TOO_BIG',
      1009,
      { maxMessageBytes: 100 },
    ],
    [Uint8Array.of(0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...KEY), 'WS_TOO_BIG', 1009],
  ];
  for (const [frame, code, closeCode, options] of cases) {
    const { events, consumed, parser } = parse([frame, encodeMaskedFrame(Opcode.Text, 'more', KEY)], options);
    deepEqual(
      events[events.length - 1],
      { error: code, closeCode },
      `${code}: ${Array.from(frame).join(',')}`,
    );
    equal(events.filter((e) => 'error' in e).length, 1);
    equal(consumed[1], 0, 'no input after an error');
    equal(parser.failed?.code, code);
  }
});

test('WebSocket frames: a too-big message fails before its payload arrives', () => {
  const header = Uint8Array.of(0x82, 0xfe, 0x10, 0x00, ...KEY); // 4096 bytes announced
  deepEqual(parse([header], { maxMessageBytes: 1024 }).events, [{ error: 'WS_TOO_BIG', closeCode: 1009 }]);
});

test('WebSocket frames: a WsError thrown by a callback is reported; another escapes and stops the parser', () => {
  const codes: string[] = [];
  const policy = new WebSocketFrameParser({
    onMessageStart() {
      throw new WsError('WS_TOO_BIG', 'the terminal takes 1 KiB at most');
    },
    onError: (error) => codes.push(error.code),
  });
  policy.push(encodeMaskedFrame(Opcode.Text, 'x', KEY));
  deepEqual(codes, ['WS_TOO_BIG']);
  const buggy = new WebSocketFrameParser({
    onData() {
      throw new TypeError('bug');
    },
    onError: () => ok(false, 'not a protocol error'),
  });
  throws(() => buggy.push(encodeMaskedFrame(Opcode.Text, 'x', KEY)), { name: 'TypeError' });
  equal(buggy.failed?.code, 'WS_HANDLER_FAILED');
  equal(buggy.failed?.closeCode, 1011);
  equal(buggy.push(encodeMaskedFrame(Opcode.Text, 'x', KEY)), 0);
});

test('WebSocket frames: the writers refuse frames RFC 6455 forbids', () => {
  throws(() => encodeFrame(Opcode.Ping, new Uint8Array(126)), { code: 'WS_CONTROL_TOO_LONG' });
  throws(() => encodeFrame(Opcode.Close, '', false), { code: 'WS_FRAGMENTED_CONTROL' });
  throws(() => encodeFrame(3, ''), { code: 'WS_BAD_OPCODE' });
  throws(() => closePayload(1005), { code: 'WS_BAD_CLOSE_CODE' });
  throws(() => closePayload(CloseCode.Normal, 'x'.repeat(124)), { code: 'WS_CONTROL_TOO_LONG' });
  equal(closePayload(CloseCode.Normal, 'x'.repeat(123)).length, 125);
  throws(() => encodeMaskedFrame(Opcode.Text, 'x', Uint8Array.of(1, 2, 3)), { name: 'RangeError' });
});

test('WebSocket frames: random bytes give a WsError or nothing, never an exception', () => {
  const next = random(0xbeef);
  for (let round = 0; round < 300; round++) {
    const length = Math.floor(next() * 200);
    const data = Uint8Array.from({ length }, () => {
      const r = next();
      // Mostly plausible header bytes, so the parser gets past the first checks now and then.
      return r < 0.3
        ? [0x81, 0x82, 0x01, 0x80, 0x88, 0x89, 0x8a][Math.floor(next() * 7)]!
        : Math.floor(next() * 256);
    });
    const { events, maxBuffered } = parse(splitAt(data, Math.floor(next() * length)), {
      maxMessageBytes: 512,
    });
    ok(events.filter((e) => 'error' in e).length <= 1);
    ok(maxBuffered <= 14 + 125, `buffered ${maxBuffered}`);
  }
});
