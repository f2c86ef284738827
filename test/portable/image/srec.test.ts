import { ImageError } from '../../../src/image/errors.js';
import type { MemoryImage } from '../../../src/image/memory-image.js';
import { parseSRecord, SRecordParser } from '../../../src/image/srec.js';
import { deepEqual, equal, match, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { ascii, feed, patternBytes, sRecord, writeSRecord } from './writers.js';

function lines(...text: string[]): Uint8Array {
  return ascii(`${text.join('\n')}\n`);
}

function sameImage(actual: MemoryImage, expected: MemoryImage): void {
  deepEqual(actual.segments, expected.segments);
  equal(actual.entry, expected.entry);
}

test('S-record: a published S1/S5/S9 file parses to its bytes', () => {
  const image = parseSRecord(
    lines(
      'S00F000068656C6C6F202020202000003C',
      'S11F00007C0802A6900100049421FFF07C6C1B787C8C23783C6000003863000026',
      'S11F001C4BFFFFE5398000007D83637880010014382100107C0803A64E800020E9',
      'S111003848656C6C6F20776F726C642E0A0042',
      'S5030003F9',
      'S9030000FC',
    ),
  );
  equal(image.segments.length, 1);
  equal(image.start, 0);
  equal(image.size, 70);
  equal(image.byteAt(0), 0x7c);
  equal(image.byteAt(0x38), 0x48); // 'H' of "Hello world."
  equal(image.entry, 0);
});

test('S-record: round trips with 16-, 24- and 32-bit addresses and their termination records', () => {
  const cases = [
    { blocks: [{ address: 0x1000, data: patternBytes(100, 1) }], entry: 0x1001, width: 2 },
    { blocks: [{ address: 0x12_0000, data: patternBytes(70, 2) }], entry: 0x12_0041, width: 3 },
    {
      blocks: [
        { address: 0x0800_0000, data: patternBytes(300, 3) },
        { address: 0x0801_0000, data: patternBytes(17, 4) },
      ],
      entry: 0x0800_0101,
      width: 4,
    },
  ] as const;
  for (const { blocks, entry, width } of cases) {
    const file = writeSRecord(blocks, { entry, addressBytes: width });
    match(
      String.fromCharCode(...file),
      new RegExp(`\nS${width - 1}[^\n]*\nS5[^\n]*\nS${11 - width}[0-9A-F]+\n$`),
    );
    const image = parseSRecord(file);
    deepEqual(image.segments, blocks);
    equal(image.entry, entry);
  }
});

test('S-record: an S6 24-bit record count is checked like S5', () => {
  const data = [sRecord(1, 0, 2, [1, 2]), sRecord(1, 2, 2, [3]), sRecord(1, 3, 2, [4])];
  equal(parseSRecord(lines(...data, sRecord(6, 3, 3))).size, 4);
  throws(() => parseSRecord(lines(...data, sRecord(6, 2, 3))), { code: 'SREC_COUNT', line: 4 });
});

test('S-record: an S5 count that does not match the data records is SREC_COUNT', () => {
  const file = lines(sRecord(0, 0, 2), sRecord(1, 0x10, 2, [1]), sRecord(1, 0x11, 2, [2]), sRecord(5, 3, 2));
  const error = throws(() => parseSRecord(file), { code: 'SREC_COUNT', line: 4 });
  match(error.message, /counts 3 data record\(s\) but 2 came before it/);
});

test('S-record: a data record after the record count is SREC_ORDER', () => {
  // S7 damaged to S1 keeps a valid checksum (the type digit is not summed); the order gives it away.
  const s7AsS1 = sRecord(7, 0x0800_0000, 4).replace(/^S7/, 'S1');
  const error = throws(
    () => parseSRecord(lines(sRecord(3, 0x0800_0000, 4, [1, 2]), sRecord(5, 1, 2), s7AsS1)),
    {
      code: 'SREC_ORDER',
      line: 3,
    },
  );
  match(error.message, /after the record count of line 2/);
});

test('S-record: the termination record is optional, data is not', () => {
  const blocks = [{ address: 0x0800_0000, data: patternBytes(50, 7) }];
  const image = parseSRecord(writeSRecord(blocks, { terminate: false, count: false }));
  deepEqual(image.segments, blocks);
  equal(image.entry, undefined);
  throws(() => parseSRecord(lines(sRecord(0, 0, 2, [0x41]), sRecord(9, 0, 2))), { code: 'EMPTY' });
  throws(() => parseSRecord(ascii('\n\n')), { code: 'EMPTY' });
});

test('S-record: a bad checksum names the line, the stated and the computed value', () => {
  const good = sRecord(1, 0x20, 2, [0xde, 0xad]);
  const bad = `${good.slice(0, -2)}${good.endsWith('00') ? '01' : '00'}`;
  const error = throws(() => parseSRecord(lines(sRecord(0, 0, 2), bad)), { code: 'SREC_CHECKSUM', line: 2 });
  ok(error instanceof ImageError);
  match(
    error.message,
    new RegExp(`^line 2: record checksum is 0x00 but the record's bytes call for 0x${good.slice(-2)}`),
  );
  match(error.message, /re-export it/);
});

test('S-record: syntax, length and record type errors name the line', () => {
  const record = sRecord(1, 0, 2, [1, 2, 3]);
  throws(() => parseSRecord(lines(record, `X${record.slice(1)}`)), { code: 'SREC_SYNTAX', line: 2 });
  throws(() => parseSRecord(lines(`SX${record.slice(2)}`)), { code: 'SREC_SYNTAX', line: 1 });
  const bad = throws(() => parseSRecord(lines(`${record.slice(0, 6)}Z${record.slice(7)}`)), {
    code: 'SREC_SYNTAX',
    line: 1,
  });
  match(bad.message, /column 7: 'Z'/);
  throws(() => parseSRecord(lines(sRecord(4, 0, 2))), { code: 'SREC_RECORD_TYPE', line: 1 });
  throws(() => parseSRecord(lines(record.slice(0, -2))), { code: 'SREC_LENGTH', line: 1 });
  throws(() => parseSRecord(lines(record.slice(0, -1))), { code: 'SREC_LENGTH', line: 1 });
  throws(() => parseSRecord(lines('S1')), { code: 'SREC_LENGTH', line: 1 });
  throws(() => parseSRecord(lines('S')), { code: 'SREC_LENGTH', line: 1 });
  throws(() => parseSRecord(lines('S1020000FD'.slice(0, 6) + 'FD')), { code: 'SREC_LENGTH' });
  throws(() => parseSRecord(lines(record, sRecord(9, 0, 2, [1]))), { code: 'SREC_LENGTH', line: 2 });
  throws(() => parseSRecord(lines(`S1${'0'.repeat(601)}`)), { code: 'SREC_LINE_TOO_LONG', line: 1 });
});

test('S-record: only whitespace may follow the termination record', () => {
  const record = sRecord(1, 0, 2, [1]);
  equal(parseSRecord(ascii(`${record}\r\n${sRecord(9, 0, 2)}\r\n\r\n`)).size, 1);
  throws(() => parseSRecord(lines(record, sRecord(9, 0, 2), sRecord(1, 8, 2, [2]))), {
    code: 'SREC_AFTER_END',
    line: 3,
  });
});

test('S-record: overlapping data records are refused with the line', () => {
  throws(() => parseSRecord(lines(sRecord(1, 0x10, 2, [1, 2, 3]), sRecord(1, 0x12, 2, [4]))), {
    code: 'OVERLAP',
    line: 2,
  });
});

test('S-record: 32-bit data past 4 GiB is ADDRESS_RANGE', () => {
  throws(() => parseSRecord(lines(sRecord(3, 0xffff_fffe, 4, [1, 2, 3]))), {
    code: 'ADDRESS_RANGE',
    line: 1,
  });
});

test('S-record: CRLF, lower case and byte-at-a-time feeding give the same image', () => {
  const blocks = [
    { address: 0x0800_0000, data: patternBytes(90, 8) },
    { address: 0x0800_2000, data: patternBytes(9, 9) },
  ];
  const file = writeSRecord(blocks, { entry: 0x0800_0001 });
  const expected = parseSRecord(file);
  deepEqual(expected.segments, blocks);
  sameImage(parseSRecord(writeSRecord(blocks, { entry: 0x0800_0001, lineEnd: '\r\n' })), expected);
  sameImage(parseSRecord(ascii(String.fromCharCode(...file).toLowerCase())), expected);
  const parser = new SRecordParser();
  feed(parser, file, 1);
  sameImage(parser.end(), expected);
});

test('S-record: every prefix parses to a part of the image or throws ImageError', () => {
  const blocks = [{ address: 0x0800_0000, data: patternBytes(48, 10) }];
  const file = writeSRecord(blocks, { entry: 0x0800_0001 });
  const whole = parseSRecord(file);
  for (let cut = 0; cut < file.length; cut++) {
    let image: MemoryImage;
    try {
      image = parseSRecord(file.subarray(0, cut));
    } catch (error) {
      ok(error instanceof ImageError, `prefix of ${cut} bytes threw ${String(error)}`);
      continue;
    }
    // Cut at a line boundary before the termination record: fewer records, but never a wrong byte.
    for (const segment of image.segments) {
      for (let i = 0; i < segment.data.length; i++) equal(segment.data[i], whole.byteAt(segment.address + i));
    }
  }
});
