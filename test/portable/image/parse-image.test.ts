import { DEFAULT_BIN_BASE, parseBin } from '../../../src/image/bin.js';
import type { ImageFormat } from '../../../src/image/detect.js';
import { detectFormat } from '../../../src/image/detect.js';
import { parseElf } from '../../../src/image/elf.js';
import { ImageError } from '../../../src/image/errors.js';
import { parseImage } from '../../../src/image/index.js';
import { parseIntelHex } from '../../../src/image/intel-hex.js';
import { parseSRecord } from '../../../src/image/srec.js';
import { bytesEqual, deepEqual, equal, match, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { ascii, hexRecord, patternBytes, writeElf, writeIntelHex, writeSRecord } from './writers.js';

const blocks = [{ address: 0x0800_0000, data: patternBytes(64, 1) }];

test('detectFormat: content decides — ELF magic, ":" for HEX, "S" and a digit for S-records, else binary', () => {
  equal(detectFormat(writeElf(blocks.map((b) => ({ paddr: b.address, data: b.data })))), 'elf');
  equal(detectFormat(writeIntelHex(blocks)), 'ihex');
  equal(detectFormat(ascii('\r\n  \t:00000001FF')), 'ihex');
  equal(detectFormat(ascii('\u00ef\u00bb\u00bf:00000001FF')), 'ihex');
  equal(detectFormat(writeSRecord(blocks)), 'srec');
  equal(detectFormat(ascii('s1030000fc')), 'srec');
  equal(detectFormat(ascii('Sx')), 'bin');
  equal(detectFormat(ascii('S')), 'bin');
  equal(detectFormat(Uint8Array.of(0x00, 0x50, 0x00, 0x20)), 'bin');
  equal(detectFormat(new Uint8Array(0)), 'bin');
});

test('detectFormat: the name only breaks ties — content that is clearly HEX, S-record or ELF wins', () => {
  equal(detectFormat(ascii(':binary'), 'firmware.BIN'), 'bin');
  equal(detectFormat(ascii(':binary')), 'ihex'); // looks like HEX: parsed (and refused) as HEX, never flashed raw
  equal(detectFormat(ascii(':binary'), 'firmware.hex'), 'ihex');
  equal(detectFormat(ascii('S1xy'), 'data.bin'), 'bin');
  equal(detectFormat(ascii('S1xy')), 'srec');
  equal(detectFormat(ascii('S1'), 'data.bin'), 'bin');
  equal(detectFormat(writeIntelHex(blocks), 'firmware.bin'), 'ihex');
  equal(detectFormat(writeSRecord(blocks), 'firmware.bin'), 'srec');
  equal(detectFormat(writeElf([{ paddr: 0, data: patternBytes(4) }]), 'firmware.bin'), 'elf');
  equal(detectFormat(writeIntelHex(blocks), 'firmware.s19'), 'ihex');
});

test('parseImage: every format parses and reports what it was read as', () => {
  const expected = { address: blocks[0]!.address, data: blocks[0]!.data };
  for (const [bytes, format] of [
    [writeIntelHex(blocks), 'ihex'],
    [writeSRecord(blocks), 'srec'],
    [writeElf([{ paddr: 0x0800_0000, data: blocks[0]!.data }]), 'elf'],
  ] as const) {
    const result = parseImage(bytes, { name: 'fw' });
    equal(result.format, format);
    deepEqual(result.image.segments, [expected]);
  }
  const bin = parseImage(blocks[0]!.data, { name: 'fw.bin' });
  equal(bin.format, 'bin');
  deepEqual(bin.image.segments, [expected]);
});

test('parseImage: a raw binary goes to the base address, 0x08000000 by default', () => {
  const data = patternBytes(10, 2);
  equal(parseImage(data).image.start, DEFAULT_BIN_BASE);
  equal(parseImage(data, { baseAddress: 0x0800_4000 }).image.start, 0x0800_4000);
  bytesEqual(parseBin(data, 0x100).read(0x100, 10), data);
  throws(() => parseBin(data, 0xffff_fff8), { code: 'ADDRESS_RANGE' });
  throws(() => parseBin(new Uint8Array(0)), { code: 'EMPTY' });
});

test('parseImage: a file that looks like HEX and fails is refused with the line, never taken as binary', () => {
  const bad = ascii(`${hexRecord(0, 0, [1, 2])}\n${hexRecord(0, 2, [3]).slice(0, -2)}00\n:00000001FF\n`);
  const error = throws(() => parseImage(bad, { name: 'firmware' }), { code: 'HEX_CHECKSUM', line: 2 });
  match(error.message, /^line 2: /);
  throws(() => parseImage(ascii(':00000001FF\n'), { name: 'x.hex' }), { code: 'EMPTY' });
  throws(() => parseImage(ascii('S1 not really\n')), { code: 'SREC_SYNTAX', line: 1 });
  // Forcing the format is the way out for a binary that begins with ':'.
  equal(parseImage(ascii(':raw'), { format: 'bin' }).format, 'bin');
});

test('parseImage: empty, whitespace-only and name/content mismatches are refused', () => {
  throws(() => parseImage(new Uint8Array(0)), { code: 'EMPTY' });
  throws(() => parseImage(new Uint8Array(0), { name: 'a.bin' }), { code: 'EMPTY' });
  throws(() => parseImage(ascii(' \r\n\n')), { code: 'EMPTY' });
  equal(parseImage(ascii(' \r\n\n'), { name: 'spaces.bin' }).image.size, 4);
  const mismatch = throws(() => parseImage(Uint8Array.of(0, 0x50, 0, 0x20), { name: 'firmware.hex' }), {
    code: 'FORMAT_MISMATCH',
  });
  match(mismatch.message, /firmware\.hex says Intel HEX/);
  throws(() => parseImage(Uint8Array.of(1, 2, 3, 4), { name: 'app.elf' }), { code: 'FORMAT_MISMATCH' });
  throws(() => parseImage(patternBytes(10), { format: 'elf' }), { code: 'ELF_MAGIC' });
  const unknown = throws(() => parseImage(patternBytes(10), { format: 'uf2' as ImageFormat }), {
    code: 'FORMAT_UNKNOWN',
  });
  match(unknown.message, /'uf2'.*ihex, srec, elf, bin/);
});

test('parseImage: garbage bytes give an image or an ImageError, never another exception', () => {
  const alphabet = ascii(':S0123456789ABCDEFabcdef\r\n \t\u007fELF\u0001\u0000');
  let state = 7;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 16;
  };
  for (let round = 0; round < 300; round++) {
    const length = next() % 120;
    const bytes = new Uint8Array(length);
    // Half the rounds: any byte; the other half: characters the parsers look for, so they get further in.
    for (let i = 0; i < length; i++)
      bytes[i] = round % 2 ? next() & 0xff : alphabet[next() % alphabet.length]!;
    if (round % 3 === 0 && length > 0) bytes[0] = round % 2 ? 0x3a : 0x53;
    for (const parse of [
      () => parseImage(bytes),
      () => parseImage(bytes, { name: 'fw.hex' }),
      () => parseIntelHex(bytes),
      () => parseSRecord(bytes),
      () => parseElf(bytes),
    ]) {
      try {
        parse();
      } catch (error) {
        ok(error instanceof ImageError, `round ${round}: ${String(error)}`);
      }
    }
  }
});

test('parseImage: the image size limit is enforced while parsing', () => {
  throws(() => parseImage(writeIntelHex([{ address: 0, data: patternBytes(100) }]), { maxBytes: 64 }), {
    code: 'IMAGE_TOO_LARGE',
  });
});
