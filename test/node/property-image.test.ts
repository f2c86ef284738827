/**
 * Properties of the Intel HEX and S-record parsers beyond image-fuzz.test.ts (issue 6 part 5): parse ∘ write is
 * the identity for every way a writer may lay a file out (record sizes 1–255, line ends, lower case, S1/S2/S3
 * addresses, with or without count and termination records), fed whole or in any split; a file cut short, or
 * damaged in several places, is refused or parses to the very same image — never to a different one that could be
 * flashed. Writers: test/portable/image/writers.ts (the project has none in src/image).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ImageError } from '../../src/image/errors.js';
import {
  IntelHexParser,
  type MemoryImage,
  parseIntelHex,
  parseSRecord,
  SRecordParser,
} from '../../src/image/index.js';
import { MemoryImage as Image } from '../../src/image/memory-image.js';
import { writeIntelHex, writeSRecord } from '../portable/image/writers.js';
import { fuzzParameters } from './support/fuzz-budget.js';

type Segment = { address: number; data: Uint8Array };

/** 1–4 non-overlapping segments, anywhere below 4 GiB, up to 600 bytes each. */
const segmentSets: fc.Arbitrary<Segment[]> = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 0x2_0000 }), fc.uint8Array({ minLength: 1, maxLength: 600 })), {
    minLength: 1,
    maxLength: 4,
  })
  .chain((parts) =>
    fc.integer({ min: 0, max: 0xffff_ffff - parts.length * (0x2_0000 + 600) }).map((base) => {
      let address = base;
      return parts.map(([gap, data]) => {
        address += gap;
        const segment = { address, data };
        address += data.length;
        return segment;
      });
    }),
  );

const hexOptions = fc.record({
  recordBytes: fc.integer({ min: 1, max: 255 }),
  lineEnd: fc.constantFrom('\n', '\r\n'),
  lowerCase: fc.boolean(),
  entry: fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { nil: undefined }),
});

const srecOptions = fc.record({
  recordBytes: fc.integer({ min: 1, max: 250 }),
  lineEnd: fc.constantFrom('\n', '\r\n'),
  count: fc.boolean(),
  widen: fc.boolean(),
  entry: fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { nil: undefined }),
});

function canonical(image: MemoryImage) {
  return image.segments.map((s) => ({ address: s.address, data: Array.from(s.data) }));
}

/** Cut points (any numbers, taken modulo the length) → the pieces of `data`. */
function pieces(data: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const offset of at) {
    out.push(data.subarray(start, offset));
    start = offset;
  }
  out.push(data.subarray(start));
  return out;
}

/** Parse with `parse`; undefined when refused with an ImageError (anything else is a bug and is rethrown). */
function parsedOrRefused(parse: () => MemoryImage): MemoryImage | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ImageError) return undefined;
    throw error;
  }
}

test('property: Intel HEX parse ∘ write = identity for any layout, whole or split anywhere', () => {
  fc.assert(
    fc.property(segmentSets, hexOptions, fc.array(fc.nat(), { maxLength: 10 }), (segments, options, cuts) => {
      const expected = canonical(Image.fromSegments(segments));
      const file = writeIntelHex(segments, options);
      const whole = parseIntelHex(file);
      assert.deepEqual(canonical(whole), expected);
      assert.equal(whole.entry, options.entry);
      const parser = new IntelHexParser();
      for (const piece of pieces(file, cuts)) parser.push(piece);
      assert.deepEqual(canonical(parser.end()), expected);
    }),
    fuzzParameters(200),
  );
});

test('property: S-record parse ∘ write = identity for any layout (S1/S2/S3, with or without S5), whole or split', () => {
  fc.assert(
    fc.property(
      segmentSets,
      srecOptions,
      fc.array(fc.nat(), { maxLength: 10 }),
      (segments, options, cuts) => {
        const expected = canonical(Image.fromSegments(segments));
        const file = writeSRecord(segments, {
          recordBytes: options.recordBytes,
          lineEnd: options.lineEnd,
          count: options.count,
          entry: options.entry,
          addressBytes: options.widen ? 4 : undefined,
        });
        const whole = parseSRecord(file);
        assert.deepEqual(canonical(whole), expected);
        const parser = new SRecordParser();
        for (const piece of pieces(file, cuts)) parser.push(piece);
        assert.deepEqual(canonical(parser.end()), expected);
      },
    ),
    fuzzParameters(200),
  );
});

test('property: a HEX file cut short anywhere is refused (its EOF record is required), or only a line end was lost', () => {
  fc.assert(
    fc.property(segmentSets, fc.nat(), (segments, where) => {
      const file = writeIntelHex(segments);
      const cut = where % file.length;
      const image = parsedOrRefused(() => parseIntelHex(file.subarray(0, cut)));
      if (image) assert.deepEqual(canonical(image), canonical(Image.fromSegments(segments)), `cut at ${cut}`);
    }),
    fuzzParameters(300),
  );
});

test('property: an S-record file cut short is refused, or — cut at a line end, where it cannot tell — a prefix of the image', () => {
  fc.assert(
    fc.property(segmentSets, fc.nat(), fc.boolean(), (segments, where, count) => {
      const file = writeSRecord(segments, { count });
      const cut = where % file.length;
      const image = parsedOrRefused(() => parseSRecord(file.subarray(0, cut)));
      if (!image) return;
      const full = Image.fromSegments(segments);
      if (canonical(image).length === canonical(full).length && image.size === full.size) {
        assert.deepEqual(canonical(image), canonical(full));
        return;
      }
      // The termination record is optional (src/image/srec.ts): a cut between lines before it yields the records
      // before the cut. Never other data: every byte it holds is the full image's byte at that address.
      const atLineEnd = file[cut - 1] === 0x0a || file[cut] === 0x0a || file[cut] === 0x0d;
      assert.ok(atLineEnd, `a cut inside a line (at ${cut}) was accepted`);
      for (const segment of image.segments) {
        assert.deepEqual(segment.data, full.read(segment.address, segment.data.length));
      }
      assert.ok(image.size < full.size, 'only shorter');
    }),
    fuzzParameters(300),
  );
});

test('property: 2–5 damaged bytes in a HEX or S-record file give an image or an ImageError, never another exception', () => {
  fc.assert(
    fc.property(
      segmentSets,
      fc.boolean(),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 2, maxLength: 5 }),
      (segments, srec, damage) => {
        const file = srec ? writeSRecord(segments) : writeIntelHex(segments);
        const copy = file.slice();
        for (const [where, value] of damage) copy[where % copy.length] = value;
        // Several changes can cancel out in one record's checksum (+1 in one byte, −1 in another), so a damaged file
        // may still be valid; single damage, which must be caught, is covered exactly in image-fuzz.test.ts.
        parsedOrRefused(() => (srec ? parseSRecord : parseIntelHex)(copy));
      },
    ),
    fuzzParameters(300),
  );
});
