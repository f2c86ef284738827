/**
 * Property tests (fast-check) of the Telnet, RFC 2217 and control-line codecs: random, truncated and oversized
 * byte streams, cut into random chunks. Whatever comes in, nothing throws, no buffer passes its limit, the results
 * do not depend on how the stream was cut, and what the encoders produce decodes back to the original.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UART_8N1, type UartSettings } from '../../src/io/contracts.js';
import { LineReader, parseControlLine } from '../../src/net/lines/index.js';
import {
  type ComPortControl,
  ComPortError,
  ComPortServer,
  type ControlLines,
  escapeData,
  OptionNegotiator,
  RFC2217_SERVER_POLICY,
  RFC2217_SERVER_REQUESTS,
  TelnetDecoder,
  TelnetError,
} from '../../src/net/telnet/index.js';
import { fuzzParameters } from './support/fuzz-budget.js';

/** Runs per property in CI; `npm run fuzz` scales them (support/fuzz-budget.ts). */
const RUNS = fuzzParameters(300);
const IAC = 0xff;

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
  const offsets = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
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

/** Streams rich in Telnet structure: IAC runs, commands, SB/SE, CR/LF/NUL, and raw noise. */
const telnetStream = fc
  .array(
    fc.oneof(
      fc
        .constantFrom(
          [IAC],
          [IAC, IAC],
          [IAC, 250],
          [IAC, 240],
          [IAC, 250, 44, 1],
          [IAC, 251, 0],
          [IAC, 253, 44],
          [IAC, 254],
          [IAC, 241],
          [IAC, 0x41],
          [13],
          [13, 0],
          [13, 10],
          [0],
          [8],
          [0x7f],
        )
        .map((b) => Uint8Array.from(b)),
      fc.uint8Array({ maxLength: 40 }),
      fc.integer({ min: 50, max: 400 }).map((n) => new Uint8Array(n).fill(0x41)),
    ),
    { maxLength: 40 },
  )
  .map(concat);

type Event = string;

/** Decode `chunks` and describe every event as text, data joined (so chunk boundaries do not show). */
function decodeAll(chunks: Uint8Array[], maxSb: number, binary: boolean) {
  const events: Event[] = [];
  let data = '';
  let maxBuffered = 0;
  const flush = () => {
    if (data) events.push(`data ${data}`);
    data = '';
  };
  const decoder = new TelnetDecoder({
    maxSubnegotiationBytes: maxSb,
    binary,
    onData(chunk) {
      assert.ok(chunk.length > 0);
      data += Buffer.from(chunk).toString('hex');
    },
    onCommand(command, option) {
      flush();
      events.push(`cmd ${command} ${option}`);
    },
    onSubnegotiation(option, payload) {
      flush();
      assert.ok(payload.length <= maxSb);
      events.push(`sb ${option} ${Buffer.from(payload).toString('hex')}`);
    },
    onError(error) {
      assert.ok(error instanceof TelnetError, String(error));
      flush();
      events.push(`error ${error.code} ${error.offset}`);
    },
  });
  for (const chunk of chunks) {
    decoder.push(chunk);
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
  }
  flush();
  return { events, maxBuffered, consumed: decoder.consumed };
}

test('fuzz Telnet decoder: never throws, stays bounded, and does not care how the stream is cut', () => {
  fc.assert(
    fc.property(
      telnetStream,
      cuts,
      fc.integer({ min: 0, max: 80 }),
      fc.boolean(),
      (stream, points, max, bin) => {
        const whole = decodeAll([stream], max, bin);
        const pieces = decodeAll(cut(stream, points), max, bin);
        assert.deepEqual(pieces.events, whole.events);
        assert.ok(pieces.maxBuffered <= max, `buffered ${pieces.maxBuffered} > ${max}`);
        assert.equal(pieces.consumed, stream.length);
      },
    ),
    RUNS,
  );
});

test('fuzz Telnet codec: escapeData then decode gives back the data, in BINARY and in NVT mode', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        // Mostly 0xFF, like erased flash, with CR/LF/NUL among the rest.
        fc.uint8Array({ maxLength: 600 }).map((d) => d.map((b) => (b < 160 ? 0xff : b % 16))),
      ),
      cuts,
      fc.boolean(),
      (data, points, nvt) => {
        const wire = escapeData(data, nvt ? 'nvt' : 'binary');
        assert.ok(wire.length <= data.length * 2);
        const got: Uint8Array[] = [];
        const decoder = new TelnetDecoder({
          binary: !nvt,
          onData: (chunk) => got.push(chunk.slice()),
          onCommand: () => assert.fail('a command appeared in escaped data'),
          onSubnegotiation: () => assert.fail('a subnegotiation appeared in escaped data'),
          onError: (error) => assert.fail(error),
        });
        for (const piece of cut(wire, points)) decoder.push(piece);
        assert.deepEqual(concat(got), data);
      },
    ),
    RUNS,
  );
});

test('fuzz negotiation: any verbs and options from a peer, never an exception, never a reply to a reply', () => {
  const verbs = fc.constantFrom(251, 252, 253, 254);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(verbs, fc.integer({ min: 0, max: 255 })), { maxLength: 60 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean(), fc.boolean()), { maxLength: 10 }),
      (incoming, requests) => {
        const server = new OptionNegotiator({ policy: RFC2217_SERVER_POLICY });
        server.requestAll(RFC2217_SERVER_REQUESTS);
        for (const [option, local, enable] of requests)
          server.request(option, local ? 'local' : 'remote', enable);
        for (const [verb, option] of incoming) {
          const reply = server.receive(verb, option);
          if (reply) {
            assert.equal(reply.length, 3);
            assert.equal(reply[0], IAC);
            assert.equal(reply[2], option);
          }
        }
        // Two correct ends, started from whatever state the fuzz left, fall silent quickly.
        const client = new OptionNegotiator({ policy: RFC2217_SERVER_POLICY });
        let toClient = [...server.requestAll(RFC2217_SERVER_REQUESTS)];
        let toServer = [...client.requestAll(RFC2217_SERVER_REQUESTS)];
        for (let round = 0; toClient.length + toServer.length > 0; round++) {
          assert.ok(round < 6, 'the negotiation does not settle');
          const nextServer: number[] = [];
          const nextClient: number[] = [];
          for (let i = 0; i < toClient.length; i += 3) {
            nextServer.push(...(client.receive(toClient[i + 1]!, toClient[i + 2]!) ?? []));
          }
          for (let i = 0; i < toServer.length; i += 3) {
            nextClient.push(...(server.receive(toServer[i + 1]!, toServer[i + 2]!) ?? []));
          }
          toClient = nextClient;
          toServer = nextServer;
        }
      },
    ),
    RUNS,
  );
});

/** A port control that checks every request is within what RFC 2217 and UartSettings allow, and may fail. */
function strictPort(failEvery: number): ComPortControl & { calls: number } {
  let settings: UartSettings = { ...UART_8N1 };
  let lines: ControlLines = { dtr: false, rts: false, break: false };
  const port = {
    calls: 0,
    maybeFail() {
      port.calls++;
      if (failEvery > 0 && port.calls % failEvery === 0) throw new Error('refused by the fuzz port');
    },
    getSettings: () => ({ ...settings }),
    configure(next: UartSettings) {
      assert.ok(
        Number.isInteger(next.baud) && next.baud >= 300 && next.baud <= 4_000_000,
        `baud ${next.baud}`,
      );
      assert.ok([5, 6, 7, 8].includes(next.dataBits));
      assert.ok(['none', 'odd', 'even', 'mark', 'space'].includes(next.parity));
      assert.ok([1, 1.5, 2].includes(next.stopBits));
      port.maybeFail();
      settings = next;
    },
    getLines: () => lines,
    setDtr(on: boolean) {
      port.maybeFail();
      lines = { ...lines, dtr: on };
    },
    setRts(on: boolean) {
      port.maybeFail();
      lines = { ...lines, rts: on };
    },
    setBreak(on: boolean) {
      port.maybeFail();
      lines = { ...lines, break: on };
    },
    purge() {
      port.maybeFail();
    },
  };
  return port;
}

test('fuzz RFC 2217: any request through the decoder → a well-formed answer or none, never an exception', () => {
  const request = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 13 }), fc.uint8Array({ maxLength: 6 })),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 70 })),
  );
  fc.assert(
    fc.property(
      fc.array(request, { maxLength: 30 }),
      cuts,
      fc.nat({ max: 5 }),
      (requests, points, failEvery) => {
        const port = strictPort(failEvery);
        const server = new ComPortServer({
          control: port,
          onError: (error) => assert.ok(error instanceof ComPortError),
        });
        const answers: Uint8Array[] = [];
        const decoder = new TelnetDecoder({
          onData: () => {},
          onSubnegotiation: (option, payload) => {
            assert.equal(option, 44);
            const answer = server.receive(payload);
            if (answer) answers.push(answer);
          },
          onError: (error) => assert.ok(error instanceof TelnetError),
        });
        const wire = concat(
          requests.map(([command, value]) => {
            const payload = concat([Uint8Array.of(command), value]);
            return concat([Uint8Array.of(IAC, 250, 44), escapeData(payload), Uint8Array.of(IAC, 240)]);
          }),
        );
        for (const piece of cut(wire, points)) decoder.push(piece);
        // Every answer is one COM-PORT-OPTION subnegotiation with a server code (100–112).
        for (const answer of answers) {
          const seen: number[] = [];
          new TelnetDecoder({
            onData: () => assert.fail('data in an answer'),
            onSubnegotiation: (option, payload) => {
              assert.equal(option, 44);
              seen.push(payload[0]!);
            },
            onError: (error) => assert.fail(error),
          }).push(answer);
          assert.equal(seen.length, 1);
          assert.ok(seen[0]! >= 100 && seen[0]! <= 112, `answer code ${seen[0]}`);
        }
      },
    ),
    RUNS,
  );
});

test('fuzz line reader: never throws, bounded, lines within the limit, the same lines however cut', () => {
  fc.assert(
    fc.property(
      telnetStream,
      cuts,
      fc.integer({ min: 1, max: 300 }),
      fc.boolean(),
      (stream, points, max, telnet) => {
        const run = (chunks: Uint8Array[]) => {
          const events: string[] = [];
          let maxBuffered = 0;
          const reader = new LineReader({
            maxLineBytes: max,
            telnet,
            onLine: (line) => {
              assert.ok(line.length <= max, `a line of ${line.length} characters`);
              events.push(`line ${line}`);
              // Whatever was typed, parsing it is safe.
              const command = parseControlLine(line);
              assert.ok(typeof command.kind === 'string');
              if (command.kind === 'baud') assert.ok(command.baud >= 300 && command.baud <= 4_000_000);
            },
            onOverflow: (error) => events.push(`overflow ${error.offset}`),
            onTelnetCommand: (command, option) => events.push(`cmd ${command} ${option}`),
            onTelnetError: (error) => events.push(`error ${error.code}`),
          });
          for (const chunk of chunks) {
            reader.push(chunk);
            maxBuffered = Math.max(maxBuffered, reader.bufferedBytes);
          }
          return { events, maxBuffered };
        };
        const whole = run([stream]);
        const pieces = run(cut(stream, points));
        assert.deepEqual(pieces.events, whole.events);
        assert.ok(pieces.maxBuffered <= max + 16, `buffered ${pieces.maxBuffered}`);
      },
    ),
    RUNS,
  );
});

test('fuzz control commands: any text parses to a command or an error message, never an exception', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc
          .tuple(
            fc.constantFrom('baud', 'BAUD', 'format', 'help', 'reset', 'x'),
            fc.array(fc.oneof(fc.stringMatching(/^[0-9a-zA-Z.+-]{0,12}$/), fc.string({ maxLength: 8 })), {
              maxLength: 3,
            }),
          )
          .map(([name, args]) => [name, ...args].join(' ')),
      ),
      (line) => {
        const command = parseControlLine(line);
        if (command.kind === 'error') {
          assert.ok(command.message.length > 0 && command.message.length < 200);
          assert.ok(!/[\r\n]/.test(command.message));
        }
        if (command.kind === 'baud') assert.ok(Number.isInteger(command.baud));
      },
    ),
    RUNS,
  );
});
