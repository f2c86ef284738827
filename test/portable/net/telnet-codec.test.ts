import { TelnetError } from '../../../src/net/telnet/errors.js';
import {
  escapeData,
  negotiation,
  subnegotiation,
  TelnetDecoder,
  type TelnetDecoderOptions,
  telnetCommand,
} from '../../../src/net/telnet/telnet-codec.js';
import { TelnetCommand, TelnetOption } from '../../../src/net/telnet/telnet-constants.js';
import { bytesEqual, deepEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { byteByByte, bytes, concat, random, splitAt, text } from './http-test-support.js';

const { IAC, SB, SE, WILL, WONT, DO, DONT, NOP, AYT, BRK, EC } = TelnetCommand;
const COM = TelnetOption.COM_PORT_OPTION;

type Event =
  | { data: string }
  | { command: number; option?: number }
  | { sb: number; payload: number[] }
  | { error: string; offset: number | undefined };

type Options = Partial<Omit<TelnetDecoderOptions, 'onData' | 'onError'>>;

function decode(chunks: Uint8Array[], options: Options = {}) {
  const events: Event[] = [];
  let maxBuffered = 0;
  const decoder = new TelnetDecoder({
    ...options,
    onData(chunk) {
      ok(chunk.length > 0, 'onData with an empty chunk');
      const last = events[events.length - 1];
      if (last && 'data' in last) last.data += text(chunk);
      else events.push({ data: text(chunk) });
    },
    onCommand: (command, option) => events.push(option === undefined ? { command } : { command, option }),
    onSubnegotiation: (option, payload) => events.push({ sb: option, payload: Array.from(payload) }),
    onError(error) {
      ok(error instanceof TelnetError);
      events.push({ error: error.code, offset: error.offset });
    },
  });
  for (const chunk of chunks) {
    decoder.push(chunk);
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
  }
  return { events, decoder, maxBuffered };
}

/** A stream with a bit of everything RFC 854/855 allows, and what the decoder must make of it. */
const MIXED = concat(
  bytes('ab'),
  Uint8Array.of(IAC, IAC),
  bytes('c'),
  Uint8Array.of(IAC, WILL, TelnetOption.BINARY, IAC, DO, COM, IAC, NOP),
  Uint8Array.of(IAC, SB, COM, 1, 0, 0, IAC, IAC, IAC, IAC, 0x80, IAC, SE),
  bytes('d'),
  Uint8Array.of(IAC, AYT, IAC, DONT, 1, IAC, WONT, 3),
  bytes('e'),
  Uint8Array.of(IAC, SB, TelnetOption.SGA, IAC, SE, IAC, BRK),
);
const MIXED_EVENTS: Event[] = [
  { data: 'ab\xffc' },
  { command: WILL, option: 0 },
  { command: DO, option: COM },
  { command: NOP },
  { sb: COM, payload: [1, 0, 0, 0xff, 0xff, 0x80] },
  { data: 'd' },
  { command: AYT },
  { command: DONT, option: 1 },
  { command: WONT, option: 3 },
  { data: 'e' },
  { sb: TelnetOption.SGA, payload: [] },
  { command: BRK },
];

test('Telnet decoder: data, IAC IAC, negotiations, commands and subnegotiations', () => {
  deepEqual(decode([MIXED]).events, MIXED_EVENTS);
});

test('Telnet decoder: the same events however the stream is cut (every offset, every pair, byte by byte)', () => {
  for (let a = 0; a <= MIXED.length; a++) {
    deepEqual(decode(splitAt(MIXED, a)).events, MIXED_EVENTS, `split at ${a}`);
    for (let b = a; b <= MIXED.length; b++) {
      deepEqual(decode(splitAt(MIXED, a, b)).events, MIXED_EVENTS, `split at ${a} and ${b}`);
    }
  }
  deepEqual(decode(byteByByte(MIXED)).events, MIXED_EVENTS, 'byte by byte');
});

test('Telnet decoder: data is handed on as views of the pushed chunk, not copies', () => {
  const chunk = bytes('hello');
  let seen: Uint8Array | undefined;
  new TelnetDecoder({ onData: (c) => (seen = c), onError: () => {} }).push(chunk);
  ok(seen);
  equal(seen.buffer, chunk.buffer);
});

test('Telnet encoder: erased flash (all 0xFF) is doubled and decodes back byte for byte', () => {
  const flash = new Uint8Array(1024).fill(0xff);
  const wire = escapeData(flash);
  equal(wire.length, 2048);
  ok(wire.every((b) => b === 0xff));
  const events = decode(splitAt(wire, 1, 2, 3, 1001, 2047)).events;
  deepEqual(events, [{ data: text(flash) }]);
});

test('Telnet encoder: random data with 0xFF runs survives escaping and any cutting', () => {
  const next = random(2217);
  for (let round = 0; round < 20; round++) {
    const data = Uint8Array.from({ length: 300 }, () => (next() < 0.3 ? 0xff : Math.floor(next() * 256)));
    const wire = escapeData(data);
    const cuts = Array.from({ length: 6 }, () => Math.floor(next() * (wire.length + 1))).sort(
      (a, b) => a - b,
    );
    const { events } = decode(splitAt(wire, ...cuts), { binary: true });
    deepEqual(events, [{ data: text(data) }], `round ${round}`);
  }
});

test('Telnet encoder: escapeData returns the same array when there is nothing to escape', () => {
  const data = bytes('plain\r\nbytes');
  equal(escapeData(data), data);
  equal(escapeData(data, 'nvt'), data);
  bytesEqual(escapeData(Uint8Array.of(1, 0xff, 2, 0xff)), Uint8Array.of(1, 0xff, 0xff, 2, 0xff, 0xff));
});

test('Telnet encoder: NVT mode sends a bare CR as CR NUL (RFC 854), and the decoder undoes it', () => {
  const data = bytes('a\rb\r\nc\r');
  const wire = escapeData(data, 'nvt');
  bytesEqual(wire, bytes('a\r\0b\r\nc\r\0'));
  deepEqual(decode([wire]).events, [{ data: text(data) }]);
  // A CR LF cut between two writes becomes CR NUL, LF on the wire: the same bytes after decoding.
  const split = concat(escapeData(bytes('x\r'), 'nvt'), escapeData(bytes('\ny'), 'nvt'));
  deepEqual(decode([split]).events, [{ data: 'x\r\ny' }]);
});

test('Telnet decoder: NVT drops the NUL of CR NUL, even across chunks; BINARY keeps every byte', () => {
  const wire = bytes('a\r\0b\r\nc\0d\r');
  const nvt = [{ data: 'a\rb\r\nc\0d\r' }];
  for (let a = 0; a <= wire.length; a++) deepEqual(decode(splitAt(wire, a)).events, nvt, `split at ${a}`);
  deepEqual(decode([wire], { binary: true }).events, [{ data: text(wire) }]);
  // A command between CR and NUL does not make the NUL data.
  deepEqual(decode([bytes('\r'), Uint8Array.of(IAC, NOP, 0)]).events, [{ data: '\r' }, { command: NOP }]);
});

test('Telnet decoder: switching to BINARY takes effect from the next byte, within the same chunk', () => {
  const wire = concat(bytes('\r\0'), Uint8Array.of(IAC, WILL, 0), bytes('\r\0'));
  const events: string[] = [];
  const decoder: TelnetDecoder = new TelnetDecoder({
    onData: (chunk) => events.push(text(chunk)),
    onCommand: (command, option) => {
      if (command === WILL && option === 0) decoder.binary = true;
    },
    onError: () => {},
  });
  decoder.push(wire);
  deepEqual(events, ['\r', '\r\0']);
});

test('Telnet decoder: IAC IAC inside a subnegotiation is one 0xFF; the builder escapes it', () => {
  const payload = Uint8Array.of(1, 0xff, 0xff, 0, 0xff);
  const wire = subnegotiation(COM, payload);
  bytesEqual(wire, Uint8Array.of(IAC, SB, COM, 1, IAC, IAC, IAC, IAC, 0, IAC, IAC, IAC, SE));
  for (let a = 0; a <= wire.length; a++) {
    deepEqual(decode(splitAt(wire, a)).events, [{ sb: COM, payload: Array.from(payload) }], `split ${a}`);
  }
  // Option 255 is escaped too, so an option byte is never taken for IAC SE.
  const odd = subnegotiation(255, Uint8Array.of(7));
  bytesEqual(odd, Uint8Array.of(IAC, SB, IAC, IAC, 7, IAC, SE));
  deepEqual(decode([odd]).events, [{ sb: 255, payload: [7] }]);
});

test('Telnet decoder: an overlong subnegotiation is reported once, discarded, and decoding goes on', () => {
  const long = subnegotiation(24, new Uint8Array(40).fill(0x41));
  const wire = concat(bytes('x'), long, bytes('y'), subnegotiation(COM, Uint8Array.of(1, 2)));
  const expected: Event[] = [
    { data: 'x' },
    { error: 'TELNET_SB_OVERFLOW', offset: 1 + 3 + 8 },
    { data: 'y' },
    { sb: COM, payload: [1, 2] },
  ];
  for (let a = 0; a <= wire.length; a++) {
    const { events, maxBuffered } = decode(splitAt(wire, a), { maxSubnegotiationBytes: 8 });
    deepEqual(events, expected, `split at ${a}`);
    ok(maxBuffered <= 8, `buffered ${maxBuffered} bytes`);
  }
});

test('Telnet decoder: a subnegotiation cut short by another command is dropped, the command kept', () => {
  const wire = Uint8Array.of(IAC, SB, COM, 1, 2, IAC, WILL, 0, 0x41);
  deepEqual(decode([wire]).events, [
    { error: 'TELNET_SB_UNTERMINATED', offset: 6 },
    { command: WILL, option: 0 },
    { data: 'A' },
  ]);
  // IAC SB inside a subnegotiation starts a new one.
  const restart = Uint8Array.of(IAC, SB, COM, 1, IAC, SB, COM, 9, IAC, SE);
  deepEqual(decode(byteByByte(restart)).events, [
    { error: 'TELNET_SB_UNTERMINATED', offset: 5 },
    { sb: COM, payload: [9] },
  ]);
});

test('Telnet decoder: empty SB, stray SE and IAC + non-command are reported and dropped', () => {
  const wire = concat(
    Uint8Array.of(IAC, SB, IAC, SE),
    bytes('a'),
    Uint8Array.of(IAC, SE),
    bytes('b'),
    Uint8Array.of(IAC, 0x41),
    bytes('c'),
  );
  const expected: Event[] = [
    { error: 'TELNET_SB_EMPTY', offset: 3 },
    { data: 'a' },
    { error: 'TELNET_UNEXPECTED_SE', offset: 6 },
    { data: 'b' },
    { error: 'TELNET_BAD_COMMAND', offset: 9 },
    { data: 'c' },
  ];
  for (let a = 0; a <= wire.length; a++) deepEqual(decode(splitAt(wire, a)).events, expected, `split ${a}`);
});

test('Telnet decoder: a subnegotiation error names its option', () => {
  let error: TelnetError | undefined;
  const decoder = new TelnetDecoder({
    maxSubnegotiationBytes: 2,
    onData: () => {},
    onError: (e) => (error = e),
  });
  decoder.push(Uint8Array.of(IAC, SB, COM, 1, 2, 3));
  equal(error?.code, 'TELNET_SB_OVERFLOW');
  equal(error?.option, COM);
  equal(decoder.consumed, 6);
});

test('Telnet builders: commands and negotiations as RFC 854/855 spell them; nonsense refused', () => {
  bytesEqual(negotiation(WILL, TelnetOption.BINARY), Uint8Array.of(0xff, 0xfb, 0x00));
  bytesEqual(negotiation(DONT, COM), Uint8Array.of(0xff, 0xfe, 0x2c));
  bytesEqual(telnetCommand(NOP), Uint8Array.of(0xff, 0xf1));
  bytesEqual(telnetCommand(EC), Uint8Array.of(0xff, 0xf7));
  throws(() => negotiation(SB, 1), { name: 'RangeError' });
  throws(() => negotiation(WILL, 256), { name: 'RangeError' });
  throws(() => telnetCommand(IAC), { name: 'RangeError' });
  throws(() => subnegotiation(-1, new Uint8Array()), { name: 'RangeError' });
  throws(() => new TelnetDecoder({ maxSubnegotiationBytes: -1, onData: () => {}, onError: () => {} }), {
    name: 'RangeError',
  });
});
