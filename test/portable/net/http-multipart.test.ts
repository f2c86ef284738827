import { HttpError } from '../../../src/net/http/errors.js';
import {
  type MultipartLimits,
  MultipartParser,
  type MultipartPartHead,
  multipartBoundary,
} from '../../../src/net/http/multipart.js';
import { deepEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { byteByByte, bytes, concat, random, splitAt, text } from './http-test-support.js';

const BOUNDARY = '----WebKitFormBoundaryX';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

type Event =
  | { part: Record<string, unknown> }
  | { data: string }
  | { partEnd: true }
  | { end: true }
  | { error: string; status: number };

function parse(
  chunks: Uint8Array[],
  options: Partial<MultipartLimits> & { contentType?: string; end?: boolean } = {},
) {
  const events: Event[] = [];
  let maxBuffered = 0;
  const parser = new MultipartParser({
    contentType: CONTENT_TYPE,
    ...options,
    onPartHead(part: MultipartPartHead) {
      events.push({ part: { ...part, headers: [...part.headers] } });
    },
    onPartData(chunk) {
      ok(chunk.length > 0, 'onPartData with an empty chunk');
      const last = events[events.length - 1];
      if (last && 'data' in last) last.data += text(chunk);
      else events.push({ data: text(chunk) });
    },
    onPartEnd() {
      events.push({ partEnd: true });
    },
    onEnd() {
      events.push({ end: true });
    },
    onError(error) {
      ok(error instanceof HttpError);
      events.push({ error: error.code, status: error.status });
    },
  });
  for (const chunk of chunks) {
    parser.push(chunk);
    maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
  }
  if (options.end !== false) parser.end();
  return { events, parser, maxBuffered };
}

/** Part content with near-misses of the delimiter: CRs, dashes, and the boundary with a wrong last character. */
const TRICKY = `\r\n--\r\r\n-\r\n------WebKitFormBoundaryY\r\n------WebKitFormBoundar\x00\xff--\r`;

const BODY =
  'This is the preamble; ignore it.\r\n' +
  `--${BOUNDARY}\r\n` +
  'Content-Disposition: form-data; name="chip"\r\n' +
  '\r\n' +
  'f103\r\n' +
  `--${BOUNDARY}\r\n` +
  'Content-Disposition: form-data; name="image"; filename="fw.bin"\r\n' +
  'Content-Type: application/octet-stream\r\n' +
  '\r\n' +
  `${TRICKY}\r\n` +
  `--${BOUNDARY}\r\n` +
  'content-disposition: form-data; name="empty"\r\n' +
  '\r\n' +
  `\r\n--${BOUNDARY}--  \r\n` +
  'and an epilogue, also ignored.\r\n';

const EXPECTED: Event[] = [
  {
    part: {
      name: 'chip',
      filename: undefined,
      contentType: 'text/plain',
      headers: [['content-disposition', 'form-data; name="chip"']],
    },
  },
  { data: 'f103' },
  { partEnd: true },
  {
    part: {
      name: 'image',
      filename: 'fw.bin',
      contentType: 'application/octet-stream',
      headers: [
        ['content-disposition', 'form-data; name="image"; filename="fw.bin"'],
        ['content-type', 'application/octet-stream'],
      ],
    },
  },
  { data: TRICKY },
  { partEnd: true },
  {
    part: {
      name: 'empty',
      filename: undefined,
      contentType: 'text/plain',
      headers: [['content-disposition', 'form-data; name="empty"']],
    },
  },
  { partEnd: true },
  { end: true },
];

test('multipart: parts, names, file names, content types; preamble and epilogue ignored', () => {
  deepEqual(parse([bytes(BODY)]).events, EXPECTED);
});

test('multipart: the body split at every offset gives the same events', () => {
  const data = bytes(BODY);
  for (let k = 0; k <= data.length; k++) deepEqual(parse(splitAt(data, k)).events, EXPECTED, `split at ${k}`);
  deepEqual(parse(byteByByte(data)).events, EXPECTED, 'byte by byte');
});

test('multipart: the boundary split at every pair of offsets', () => {
  // Around the second part's end: the last near-miss of the content, the delimiter and its CRLF.
  const data = bytes(BODY);
  const to = BODY.indexOf('content-disposition: form-data; name="empty"');
  const from = to - 2 - BOUNDARY.length - 4 - 14;
  for (let a = from; a <= to; a++) {
    for (let b = a; b <= to; b++)
      deepEqual(parse(splitAt(data, a, b)).events, EXPECTED, `split at ${a}, ${b}`);
  }
});

test('multipart: part content is passed on at once, holding back only a possible delimiter start', () => {
  const pieces: string[] = [];
  const parser = new MultipartParser({
    contentType: CONTENT_TYPE,
    onPartHead() {},
    onPartData: (chunk) => pieces.push(text(chunk)),
    onError: (e) => ok(false, e.message),
  });
  parser.push(bytes(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"\r\n\r\n0123456789`));
  deepEqual(pieces, ['0123456789']);
  parser.push(bytes('abc\r\n---'));
  deepEqual(pieces, ['0123456789', 'abc'], 'CRLF--- may start the delimiter');
  parser.push(bytes('x'));
  deepEqual(pieces, ['0123456789', 'abc', '\r\n---', 'x'], 'it did not: released');
  equal(parser.bufferedBytes, 0, 'content is never copied into a buffer');
});

test('multipart: the first boundary may start the body (no preamble, no leading CRLF)', () => {
  const body = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${BOUNDARY}--`;
  const { events } = parse([bytes(body)]);
  deepEqual(
    events.map((e) => Object.keys(e)[0]),
    ['part', 'data', 'partEnd', 'end'],
  );
});

test('multipart: quoted boundary, transport padding, UTF-8 names and an empty file name', () => {
  const boundary = "a b'()+_,-./:=?z";
  const body =
    `--${boundary} \t\r\nContent-Disposition: form-data; name="caf\xc3\xa9"; filename=""\r\n\r\n` +
    `x\r\n--${boundary}--`;
  const { events } = parse([bytes(body)], {
    contentType: `Multipart/Form-Data; charset=x; boundary="${boundary}"`,
  });
  const part = (events[0] as { part: Record<string, unknown> }).part;
  equal(part['name'], 'café');
  equal(part['filename'], '');
  deepEqual(events[1], { data: 'x' });
  deepEqual(events[events.length - 1], { end: true });
});

test('multipart: the boundary comes from the Content-Type (RFC 7578 §4.1, RFC 2046 §5.1.1)', () => {
  equal(multipartBoundary('multipart/form-data; boundary=abc'), 'abc');
  equal(multipartBoundary('multipart/form-data;boundary="x y"'), 'x y');
  equal(multipartBoundary(`multipart/form-data; boundary=${'b'.repeat(70)}`), 'b'.repeat(70));
  throws(() => multipartBoundary('application/json'), { code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
  throws(() => multipartBoundary('multipart/mixed; boundary=abc'), { code: 'UNSUPPORTED_MEDIA_TYPE' });
  for (const bad of [
    'multipart/form-data',
    'multipart/form-data; boundary=',
    `multipart/form-data; boundary=${'b'.repeat(71)}`,
    'multipart/form-data; boundary="ends with space "',
    'multipart/form-data; boundary="semi;colon"',
    'multipart/form-data; boundary="unterminated',
  ]) {
    throws(() => multipartBoundary(bad), { code: 'MULTIPART_BAD_BOUNDARY', status: 400 });
  }
  throws(() => new MultipartParser({ contentType: 'text/plain', onPartHead() {}, onError() {} }), {
    code: 'UNSUPPORTED_MEDIA_TYPE',
  });
});

function lastError(body: string, options: Partial<MultipartLimits> = {}): string {
  const { events } = parse([bytes(body)], options);
  const last = events[events.length - 1];
  ok(last && 'error' in last, `expected an error, got ${JSON.stringify(events)}`);
  ok(events.filter((e) => 'error' in e).length === 1, 'one error only');
  return last.error;
}

test('multipart: each error has its code', () => {
  const start = `--${BOUNDARY}\r\n`;
  const disposition = 'Content-Disposition: form-data; name="f"\r\n';
  const part = `${start}${disposition}\r\ndata\r\n`;
  equal(lastError(part), 'MULTIPART_TRUNCATED');
  equal(lastError(`${part}--${BOUNDARY}`), 'MULTIPART_TRUNCATED');
  equal(lastError('no boundary at all'), 'MULTIPART_TRUNCATED');
  equal(lastError(''), 'MULTIPART_TRUNCATED');
  equal(
    lastError(`${start}X-Long: ${'v'.repeat(200)}\r\n\r\n`, { maxPartHeaderBytes: 100 }),
    'MULTIPART_HEADER_TOO_LARGE',
  );
  equal(
    lastError(`${start}A: 1\r\nB: 2\r\nC: 3\r\n\r\n`, { maxPartHeaderBytes: 16 }),
    'MULTIPART_HEADER_TOO_LARGE',
  );
  equal(
    lastError(`--${BOUNDARY}${' '.repeat(40)}\r\n`, { maxPartHeaderBytes: 32 }),
    'MULTIPART_HEADER_TOO_LARGE',
  );
  equal(lastError(`${start}Content-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--`), 'MULTIPART_BAD_HEADER');
  equal(lastError(`${start}Content-Disposition: attachment; name="f"\r\n\r\n`), 'MULTIPART_BAD_HEADER');
  equal(lastError(`${start}Content-Disposition: form-data\r\n\r\n`), 'MULTIPART_BAD_HEADER');
  equal(lastError(`${start}not a header\r\n\r\n`), 'MULTIPART_BAD_HEADER');
  equal(lastError(`${start} folded: x\r\n\r\n`), 'MULTIPART_BAD_HEADER');
  equal(lastError(`${start}${disposition}X: a\x01b\r\n\r\n`), 'MULTIPART_BAD_HEADER');
  equal(lastError(`${start}Content-Disposition: form-data; name="\xff"\r\n\r\n`), 'MULTIPART_BAD_HEADER');
  equal(lastError(`${part}--${BOUNDARY}X\r\n`), 'MULTIPART_BAD_DELIMITER');
  equal(lastError(`${part}--${BOUNDARY}-x`), 'MULTIPART_BAD_DELIMITER');
  equal(lastError(`${part}--${BOUNDARY}\rx`), 'MULTIPART_BAD_DELIMITER');
  equal(lastError(`${part}--${BOUNDARY}\n`), 'MULTIPART_BAD_DELIMITER');
  equal(lastError(`${part}${part}${part}`, { maxParts: 2 }), 'MULTIPART_TOO_MANY_PARTS');
});

test('multipart: after an error, input is ignored and end() adds nothing', () => {
  const { events, parser } = parse([bytes(`--${BOUNDARY}\r\nbad\r\n\r\n`), bytes(BODY)]);
  deepEqual(events, [{ error: 'MULTIPART_BAD_HEADER', status: 400 }]);
  equal(parser.failed?.code, 'MULTIPART_BAD_HEADER');
  equal(parser.done, false);
});

test('multipart: random bytes give an HttpError or nothing, never an exception', () => {
  const next = random(0xf00d);
  const alphabet = bytes(`\r\n-${BOUNDARY}: ;="Content-Disposition form-data name\x00\xc3`);
  for (let round = 0; round < 200; round++) {
    const length = Math.floor(next() * 400);
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) data[i] = alphabet[Math.floor(next() * alphabet.length)]!;
    const prefix = bytes(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"\r\n\r\n`);
    const stream = next() < 0.5 ? concat(prefix, data) : data;
    const { events, maxBuffered } = parse(splitAt(stream, Math.floor(next() * stream.length)), {
      maxPartHeaderBytes: 64,
    });
    ok(events.filter((e) => 'error' in e).length <= 1);
    ok(maxBuffered <= 65, `buffered ${maxBuffered}`);
    const done = events.some((e) => 'end' in e);
    const failed = events.some((e) => 'error' in e);
    ok(done !== failed, 'the body either ended properly or failed, once');
  }
});
