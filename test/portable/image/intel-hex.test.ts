import { ImageError } from '../../../src/image/errors.js';
import { IntelHexParser, parseIntelHex } from '../../../src/image/intel-hex.js';
import type { MemoryImage } from '../../../src/image/memory-image.js';
import { bytesEqual, deepEqual, equal, match, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { ascii, bytesToText, feed, hexRecord, patternBytes, writeIntelHex } from './writers.js';

const EOF_RECORD = ':00000001FF';

function hexText(...lines: string[]): Uint8Array {
  return ascii(`${lines.join('\n')}\n`);
}

function sameImage(actual: MemoryImage, expected: MemoryImage): void {
  deepEqual(
    actual.segments.map((s) => ({ address: s.address, data: s.data })),
    expected.segments.map((s) => ({ address: s.address, data: s.data })),
  );
  equal(actual.entry, expected.entry);
}

const blocks = [
  { address: 0x0800_0000, data: patternBytes(300, 1) },
  { address: 0x0800_fff0, data: patternBytes(40, 2) }, // crosses a 64 KiB boundary: the writer emits a new 04
  { address: 0x2000_0000, data: patternBytes(5, 3) },
];

test('Intel HEX: a published data record parses to its bytes at its address', () => {
  const image = parseIntelHex(hexText(':10010000214601360121470136007EFE09D2190140', EOF_RECORD));
  equal(image.segments.length, 1);
  equal(image.start, 0x100);
  bytesEqual(
    image.segments[0]!.data,
    Uint8Array.of(
      0x21,
      0x46,
      0x01,
      0x36,
      0x01,
      0x21,
      0x47,
      0x01,
      0x36,
      0x00,
      0x7e,
      0xfe,
      0x09,
      0xd2,
      0x19,
      0x01,
    ),
  );
  equal(image.entry, undefined);
});

test('Intel HEX: round trip with extended linear addresses and a start linear address', () => {
  const image = parseIntelHex(writeIntelHex(blocks, { entry: 0x0800_0131 }));
  deepEqual(image.segments, blocks);
  equal(image.entry, 0x0800_0131);
  equal(image.size, 345);
});

test('Intel HEX: consecutive records merge into one segment as they arrive', () => {
  const data = patternBytes(4096, 9);
  const image = parseIntelHex(writeIntelHex([{ address: 0x0800_0000, data }], { recordBytes: 16 }));
  equal(image.segments.length, 1);
  bytesEqual(image.segments[0]!.data, data);
});

test('Intel HEX: type 02 extended segment address is value × 16, offsets wrap within the 64 KiB segment', () => {
  const data = Array.from({ length: 16 }, (_, i) => i);
  const image = parseIntelHex(hexText(hexRecord(2, 0, [0x10, 0x00]), hexRecord(0, 0xfff8, data), EOF_RECORD));
  // Base 0x1000 × 16 = 0x10000; bytes 0–7 at 0x1FFF8, bytes 8–15 wrap to the segment's start 0x10000.
  deepEqual(image.segments, [
    { address: 0x1_0000, data: Uint8Array.from(data.slice(8)) },
    { address: 0x1_fff8, data: Uint8Array.from(data.slice(0, 8)) },
  ]);
});

test('Intel HEX: with type 04 a record crossing 0xFFFF runs on into the next 64 KiB ((LBA + offset + i) mod 4G)', () => {
  const data = Array.from({ length: 16 }, (_, i) => i + 1);
  const image = parseIntelHex(hexText(hexRecord(4, 0, [0x08, 0x00]), hexRecord(0, 0xfff8, data), EOF_RECORD));
  deepEqual(image.segments, [{ address: 0x0800_fff8, data: Uint8Array.from(data) }]);
});

test('Intel HEX: linear addresses wrap at 4 GiB', () => {
  const data = [1, 2, 3, 4];
  const image = parseIntelHex(hexText(hexRecord(4, 0, [0xff, 0xff]), hexRecord(0, 0xfffe, data), EOF_RECORD));
  deepEqual(image.segments, [
    { address: 0, data: Uint8Array.of(3, 4) },
    { address: 0xffff_fffe, data: Uint8Array.of(1, 2) },
  ]);
});

test('Intel HEX: a type 04 record after type 02 switches back to linear addressing', () => {
  const image = parseIntelHex(
    hexText(
      hexRecord(2, 0, [0x10, 0x00]),
      hexRecord(4, 0, [0x00, 0x02]),
      hexRecord(0, 0x10, [7]),
      EOF_RECORD,
    ),
  );
  deepEqual(image.segments, [{ address: 0x2_0010, data: Uint8Array.of(7) }]);
});

test('Intel HEX: type 03 start segment address gives entry CS × 16 + IP', () => {
  const image = parseIntelHex(
    hexText(hexRecord(0, 0, [1]), hexRecord(3, 0, [0x12, 0x34, 0x00, 0x05]), EOF_RECORD),
  );
  equal(image.entry, 0x12345);
  equal(parseIntelHex(writeIntelHex(blocks, { entry: 0x8_1235, segmentEntry: true })).entry, 0x8_1235);
});

test('Intel HEX: two different start addresses are refused', () => {
  const text = hexText(
    hexRecord(0, 0, [1]),
    hexRecord(5, 0, [8, 0, 0, 1]),
    hexRecord(5, 0, [8, 0, 0, 9]),
    EOF_RECORD,
  );
  throws(() => parseIntelHex(text), { code: 'HEX_ENTRY', line: 3 });
});

test('Intel HEX: records in any order give the same image', () => {
  const lines = bytesToText(writeIntelHex([{ address: 0x1000, data: patternBytes(128, 4) }]))
    .trim()
    .split('\n');
  const eof = lines.pop()!;
  const inOrder = parseIntelHex(hexText(...lines, eof));
  const reversed = parseIntelHex(hexText(...[...lines].reverse(), eof));
  // Every other record first, then the rest: runs close and reopen, then merge in the image.
  const interleaved = parseIntelHex(
    hexText(...lines.filter((_, i) => i % 2 === 1), ...lines.filter((_, i) => i % 2 === 0), eof),
  );
  sameImage(reversed, inOrder);
  sameImage(interleaved, inOrder);
  equal(reversed.segments.length, 1);
});

test('Intel HEX: CRLF, lower case, blank lines, indentation and no final newline are accepted', () => {
  const expected = parseIntelHex(writeIntelHex(blocks, { entry: 0x0800_0001 }));
  sameImage(parseIntelHex(writeIntelHex(blocks, { entry: 0x0800_0001, lineEnd: '\r\n' })), expected);
  sameImage(parseIntelHex(writeIntelHex(blocks, { entry: 0x0800_0001, lowerCase: true })), expected);
  const text = bytesToText(writeIntelHex(blocks, { entry: 0x0800_0001 }));
  sameImage(parseIntelHex(ascii(text.trimEnd())), expected);
  sameImage(parseIntelHex(ascii(`\n\n${text.replace(/\n/g, '\n\n  ')}\n \t\n`)), expected);
  sameImage(parseIntelHex(ascii(`\u00ef\u00bb\u00bf${text}`)), expected); // UTF-8 byte order mark
});

test('Intel HEX: overlapping data is refused, naming the line of the second record', () => {
  const text = hexText(
    hexRecord(0, 0x100, [1, 2, 3, 4]),
    hexRecord(0, 0x200, [9]),
    hexRecord(0, 0x102, [5]),
    EOF_RECORD,
  );
  const error = throws(() => parseIntelHex(text), { code: 'OVERLAP', line: 3 });
  match(error.message, /0x00000102/);
  // Overlap with the run being built and with a closed run are both found.
  throws(() => parseIntelHex(hexText(hexRecord(0, 0x100, [1, 2]), hexRecord(0, 0x101, [3]), EOF_RECORD)), {
    code: 'OVERLAP',
    line: 2,
  });
});

test('Intel HEX: a bad checksum names the line, the stated and the computed value', () => {
  const good = hexRecord(0, 0x10, [0xaa, 0xbb]);
  const bad = `${good.slice(0, -2)}00`;
  const error = throws(() => parseIntelHex(hexText(hexRecord(0, 0, [1]), bad, EOF_RECORD)), {
    code: 'HEX_CHECKSUM',
    line: 2,
  });
  ok(error instanceof ImageError);
  match(error.message, new RegExp(`0x00.*0x${good.slice(-2)}`));
  match(error.message, /damaged; re-export it/);
  match(error.message, /^line 2: /);
});

test('Intel HEX: byte count against line length, odd digits and short records are HEX_LENGTH', () => {
  const record = hexRecord(0, 0, [1, 2, 3]);
  throws(() => parseIntelHex(hexText(`${record.slice(0, 3)}5${record.slice(3)}`)), {
    code: 'HEX_LENGTH',
    line: 1,
  });
  throws(() => parseIntelHex(hexText(record.slice(0, -2))), { code: 'HEX_LENGTH', line: 1 }); // cut: count says 3
  throws(() => parseIntelHex(hexText(EOF_RECORD, '').subarray(0, 10)), { code: 'HEX_LENGTH' }); // odd digits
  throws(() => parseIntelHex(hexText(':0000')), { code: 'HEX_LENGTH' });
  throws(() => parseIntelHex(hexText(hexRecord(4, 0, [8]), EOF_RECORD)), { code: 'HEX_LENGTH', line: 1 });
  throws(() => parseIntelHex(hexText(hexRecord(1, 0, [8]))), { code: 'HEX_LENGTH', line: 1 });
});

test('Intel HEX: a non-hex character is HEX_SYNTAX with its column', () => {
  const record = hexRecord(0, 0, [1, 2, 3]);
  const error = throws(() => parseIntelHex(hexText(EOF_RECORD.replace(':', ''), record)), {
    code: 'HEX_SYNTAX',
  });
  match(error.message, /line 1: column 1: a record starts with ':', found '0'/);
  const damaged = `${record.slice(0, 11)}G${record.slice(12)}`;
  const second = throws(() => parseIntelHex(hexText(record, `  ${damaged}`, EOF_RECORD)), {
    code: 'HEX_SYNTAX',
    line: 2,
  });
  match(second.message, /column 14: 'G' is not a hex digit/);
});

test('Intel HEX: unknown record types are refused', () => {
  const error = throws(() => parseIntelHex(hexText(hexRecord(6, 0, [1]), EOF_RECORD)), {
    code: 'HEX_RECORD_TYPE',
    line: 1,
  });
  match(error.message, /0x06/);
});

test('Intel HEX: a missing end-of-file record is HEX_TRUNCATED', () => {
  const error = throws(() => parseIntelHex(hexText(hexRecord(0, 0, [1, 2]))), { code: 'HEX_TRUNCATED' });
  match(error.message, /no end-of-file record \(:00000001FF\): the file is cut short/);
});

test('Intel HEX: only whitespace may follow the end-of-file record', () => {
  equal(parseIntelHex(ascii(`${hexRecord(0, 0, [1])}\n${EOF_RECORD}\r\n\r\n  \n`)).size, 1);
  throws(() => parseIntelHex(hexText(hexRecord(0, 0, [1]), EOF_RECORD, hexRecord(0, 8, [2]))), {
    code: 'HEX_AFTER_EOF',
    line: 3,
  });
  throws(() => parseIntelHex(hexText(hexRecord(0, 0, [1]), EOF_RECORD, 'x')), {
    code: 'HEX_AFTER_EOF',
    line: 3,
  });
});

test('Intel HEX: a file with no data record is EMPTY', () => {
  throws(() => parseIntelHex(hexText(hexRecord(4, 0, [8, 0]), EOF_RECORD)), { code: 'EMPTY' });
});

test('Intel HEX: lines are bounded to 600 characters', () => {
  const longest = `:${'0'.repeat(599)}`; // 600 characters: not too long, only malformed
  throws(() => parseIntelHex(hexText(longest)), { code: 'HEX_LENGTH', line: 1 });
  throws(() => parseIntelHex(hexText(EOF_RECORD, `:${'0'.repeat(600)}`)), {
    code: 'HEX_LINE_TOO_LONG',
    line: 2,
  });
  // Whitespace is not stored: any indentation, or any amount of it after the end-of-file record, is fine.
  const record = hexRecord(0, 0x10, [1, 2, 3]);
  const indented = parseIntelHex(ascii(`${' '.repeat(5000)}${record}\n${EOF_RECORD}${' \t\r'.repeat(5000)}`));
  equal(indented.start, 0x10);
  const fullRecord = hexRecord(0, 0, patternBytes(255, 8)); // 521 characters, the longest record there is
  equal(parseIntelHex(ascii(`${fullRecord}${' '.repeat(1000)}\r\n${EOF_RECORD}\n`)).size, 255);
  throws(() => parseIntelHex(ascii(`${fullRecord}${' '.repeat(1000)}x\n${EOF_RECORD}\n`)), {
    code: 'HEX_LINE_TOO_LONG',
    line: 1,
  });
  const column = throws(() => parseIntelHex(ascii(`${' '.repeat(700)}:0G`)), { code: 'HEX_SYNTAX', line: 1 });
  match(column.message, /column 703: 'G'/);
  const parser = new IntelHexParser();
  throws(() => parser.push(new Uint8Array(100_000).fill(0x30)), { code: 'HEX_LINE_TOO_LONG', line: 1 });
  // A failed parser stays failed.
  throws(() => parser.push(ascii('\n')), { code: 'HEX_LINE_TOO_LONG' });
  throws(() => parser.end(), { code: 'HEX_LINE_TOO_LONG' });
});

test('Intel HEX: fed one byte at a time, the parser gives the same image as the whole buffer', () => {
  const file = writeIntelHex(blocks, { entry: 0x0800_0131, lineEnd: '\r\n' });
  for (const size of [1, 7, 64]) {
    const parser = new IntelHexParser();
    feed(parser, file, size);
    sameImage(parser.end(), parseIntelHex(file));
  }
});

test('Intel HEX: every prefix of a file either parses to the whole image or throws ImageError', () => {
  const file = writeIntelHex([{ address: 0x0800_0000, data: patternBytes(40, 5) }], { entry: 0x0800_0009 });
  const whole = parseIntelHex(file);
  let parsed = 0;
  for (let cut = 0; cut < file.length; cut++) {
    let image: MemoryImage | undefined;
    try {
      image = parseIntelHex(file.subarray(0, cut));
    } catch (error) {
      ok(error instanceof ImageError, `prefix of ${cut} bytes threw ${String(error)}`);
      continue;
    }
    sameImage(image, whole); // only a cut inside the last line ending may parse
    parsed++;
  }
  equal(parsed, 1);
});

test('Intel HEX: damaging any one character is caught', () => {
  const file = writeIntelHex([{ address: 0x100, data: patternBytes(20, 6) }]);
  for (let at = 0; at < file.length; at++) {
    if (file[at] === 0x0a) continue;
    const copy = file.slice();
    copy[at] = file[at] === 0x31 ? 0x32 : 0x31; // '1' ↔ '2' keeps it a hex digit where it was one
    try {
      parseIntelHex(copy);
    } catch (error) {
      ok(error instanceof ImageError, `damage at ${at} threw ${String(error)}`);
      continue;
    }
    throw new Error(`damage at offset ${at} went unnoticed`);
  }
});
