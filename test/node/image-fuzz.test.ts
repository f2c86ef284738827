/**
 * Property tests of the image parsers (Node only: fast-check). Any input gives an image or an ImageError — never a
 * TypeError or RangeError — and any set of segments survives writing and parsing in every format unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ImageError } from '../../src/image/errors.js';
import {
  IntelHexParser,
  MemoryImage,
  parseElf,
  parseImage,
  parseIntelHex,
  parseSRecord,
  SRecordParser,
} from '../../src/image/index.js';
import { ascii, writeElf, writeIntelHex, writeSRecord } from '../portable/image/writers.js';
import { fuzzParameters } from './support/fuzz-budget.js';

/** Runs per property in CI; `npm run fuzz` scales them (support/fuzz-budget.ts). */
const RUNS = fuzzParameters(300);

function onlyImageErrors(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
  }
}

/** Text made of the characters the record formats use, so the parsers get past their first checks. */
const recordText = fc
  .array(
    fc.constantFrom(...':S0123456789ABCDEFabcdef\r\n \t'.split(''), 'S1', 'S9', ':00000001FF\n', ':02000004'),
    {
      maxLength: 200,
    },
  )
  .map((parts) => ascii(parts.join('')));

test('random bytes into every parser: an image or an ImageError, nothing else', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), recordText), (bytes) => {
      onlyImageErrors(() => parseIntelHex(bytes));
      onlyImageErrors(() => parseSRecord(bytes));
      onlyImageErrors(() => parseElf(bytes));
      onlyImageErrors(() => parseImage(bytes));
      onlyImageErrors(() => parseImage(bytes, { name: 'x.hex' }));
      const elf = new Uint8Array(bytes.length + 4);
      elf.set([0x7f, 0x45, 0x4c, 0x46]);
      elf.set(bytes, 4);
      onlyImageErrors(() => parseElf(elf));
    }),
    RUNS,
  );
});

/** Non-overlapping segments: sorted random starts with gaps, sizes up to 300 bytes, anywhere below 4 GiB. */
const segmentSets = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 0x4_0000 }), fc.uint8Array({ minLength: 1, maxLength: 300 })), {
    minLength: 1,
    maxLength: 6,
  })
  .chain((parts) =>
    fc.integer({ min: 0, max: 0xffff_ffff - parts.length * (0x4_0000 + 300) }).map((base) => {
      let address = base;
      return parts.map(([gap, data]) => {
        address += gap;
        const segment = { address, data };
        address += data.length;
        return segment;
      });
    }),
  );

function canonical(image: MemoryImage) {
  return image.segments.map((s) => ({ address: s.address, data: Array.from(s.data) }));
}

test('random segment sets survive HEX, S-record and ELF round trips unchanged', () => {
  fc.assert(
    fc.property(
      segmentSets,
      fc.integer({ min: 1, max: 0xffff_ffff }),
      fc.integer({ min: 1, max: 64 }),
      (blocks, entry, chunk) => {
        const expected = canonical(MemoryImage.fromSegments(blocks));

        const hex = writeIntelHex(blocks, { entry, recordBytes: 1 + (chunk % 32) });
        const fromHex = parseIntelHex(hex);
        assert.deepEqual(canonical(fromHex), expected);
        assert.equal(fromHex.entry, entry);
        const hexParser = new IntelHexParser();
        for (let i = 0; i < hex.length; i += chunk) hexParser.push(hex.subarray(i, i + chunk));
        assert.deepEqual(canonical(hexParser.end()), expected);

        const srec = writeSRecord(blocks, { entry });
        const fromSrec = parseSRecord(srec);
        assert.deepEqual(canonical(fromSrec), expected);
        assert.equal(fromSrec.entry, entry);
        const srecParser = new SRecordParser();
        for (let i = 0; i < srec.length; i += chunk) srecParser.push(srec.subarray(i, i + chunk));
        assert.deepEqual(canonical(srecParser.end()), expected);

        const elf = writeElf(
          blocks.map((b) => ({ paddr: b.address, data: b.data })),
          { entry },
        );
        const fromElf = parseElf(elf);
        assert.deepEqual(canonical(fromElf), expected);
        assert.equal(fromElf.entry, entry);
        assert.equal(parseImage(elf).format, 'elf');
      },
    ),
    RUNS,
  );
});

test('one damaged byte in a HEX or S-record file is refused or changes nothing', () => {
  fc.assert(
    fc.property(segmentSets, fc.nat(), fc.integer({ min: 0, max: 255 }), (blocks, where, value) => {
      for (const write of [writeIntelHex, writeSRecord]) {
        const file = write(blocks);
        const expected = canonical(MemoryImage.fromSegments(blocks));
        const copy = file.slice();
        const at = where % copy.length;
        copy[at] = value;
        // The S-record checksum does not cover the type digit (the character after 'S'): damage there may yield
        // another valid record, which no parser can tell. Everywhere else the damage must be caught.
        const typeDigit = write === writeSRecord && at > 0 && file[at - 1] === 0x53;
        try {
          const image = write === writeIntelHex ? parseIntelHex(copy) : parseSRecord(copy);
          // Accepted only if the damage was harmless (case or whitespace): the data must be the same.
          if (!typeDigit) assert.deepEqual(canonical(image), expected);
        } catch (error) {
          if (!(error instanceof ImageError)) throw error;
        }
      }
    }),
    RUNS,
  );
});
