import { stm32Crc32 } from '../../../src/image/crc32.js';
import { MemoryImage } from '../../../src/image/memory-image.js';
import { bytesEqual, deepEqual, equal, throws } from '../assert.js';
import { test } from '../harness.js';
import { patternBytes } from './writers.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

test('MemoryImage: segments are sorted, touching ones merged, empty ones dropped', () => {
  const image = MemoryImage.fromSegments(
    [
      { address: 0x20, data: bytes(5) },
      { address: 0x10, data: bytes(1, 2) },
      { address: 0x12, data: bytes(3) },
      { address: 0x18, data: new Uint8Array(0) },
    ],
    0x11,
  );
  deepEqual(image.segments, [
    { address: 0x10, data: bytes(1, 2, 3) },
    { address: 0x20, data: bytes(5) },
  ]);
  equal(image.size, 4);
  equal(image.start, 0x10);
  equal(image.end, 0x21);
  equal(image.entry, 0x11);
  equal(image.byteAt(0x12), 3);
  equal(image.byteAt(0x13), undefined);
  bytesEqual(image.read(0x11, 0x11), bytes(2, 3, ...new Array(13).fill(0xff), 5, 0xff));
  bytesEqual(image.read(0x11, 3, 0), bytes(2, 3, 0));
  equal(image.overlaps(0x13, 13), false);
  equal(image.overlaps(0x13, 14), true);
});

test('MemoryImage: overlapping segments and addresses past 4 GiB are refused', () => {
  throws(
    () =>
      MemoryImage.fromSegments([
        { address: 0x10, data: bytes(1, 2, 3) },
        { address: 0x12, data: bytes(9) },
      ]),
    { code: 'OVERLAP' },
  );
  throws(() => MemoryImage.fromSegments([{ address: 0xffff_ffff, data: bytes(1, 2) }]), {
    code: 'ADDRESS_RANGE',
  });
  equal(MemoryImage.fromSegments([]).start, 0);
  equal(MemoryImage.fromSegments([]).end, 0);
});

test('MemoryImage: writeBlocks aligns, pads with 0xFF and only covers data', () => {
  const image = MemoryImage.fromSegments([
    { address: 0x1001, data: bytes(0xa1, 0xa2) },
    { address: 0x1100, data: patternBytes(300, 1) },
  ]);
  for (const align of [4, 8, 32]) {
    const blocks = [...image.writeBlocks(256, align)];
    for (const block of blocks) {
      equal(block.address % align, 0, `block at ${block.address} not aligned to ${align}`);
      equal(block.data.length % align, 0);
      equal(block.data.length <= 256, true);
      equal(image.overlaps(block.address, block.data.length), true);
      bytesEqual(block.data, image.read(block.address, block.data.length));
    }
    // Every image byte is in exactly one block.
    let covered = 0;
    for (const block of blocks) {
      for (let i = 0; i < block.data.length; i++)
        if (image.byteAt(block.address + i) !== undefined) covered++;
    }
    equal(covered, image.size);
  }
  deepEqual(
    [...image.writeBlocks(256, 4)].map((b) => [b.address, b.data.length]),
    [
      [0x1000, 4],
      [0x1100, 256],
      [0x1200, 44],
    ],
  );
  bytesEqual([...image.writeBlocks(256, 4)][0]!.data, bytes(0xff, 0xa1, 0xa2, 0xff));
  throws(() => [...image.writeBlocks(100, 32)]);
});

test('MemoryImage: a block may reach into the next segment and that segment is not written twice', () => {
  const image = MemoryImage.fromSegments([
    { address: 0x0, data: bytes(1, 2, 3) },
    { address: 0x6, data: bytes(7, 8, 9, 10) },
  ]);
  deepEqual(
    [...image.writeBlocks(8, 8)].map((b) => ({ address: b.address, data: b.data })),
    [
      { address: 0, data: bytes(1, 2, 3, 0xff, 0xff, 0xff, 7, 8) },
      { address: 8, data: bytes(9, 10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) },
    ],
  );
});

test('MemoryImage: segments closer than a block share one block; far apart they do not', () => {
  const image = MemoryImage.fromSegments([
    { address: 0x0800_0002, data: bytes(1, 2) },
    { address: 0x0800_0010, data: bytes(3) }, // 14 bytes after the first: same 256-byte block, gap 0xFF
    { address: 0x0800_00fe, data: bytes(4, 5, 6, 7) }, // straddles the end of the first block
    { address: 0x0800_4000, data: bytes(8) }, // far away: its own block
  ]);
  const blocks = [...image.writeBlocks(256, 8)];
  deepEqual(
    blocks.map((b) => [b.address, b.data.length]),
    [
      [0x0800_0000, 256],
      [0x0800_0100, 8],
      [0x0800_4000, 8],
    ],
  );
  bytesEqual(
    blocks[0]!.data.subarray(0, 0x18),
    bytes(0xff, 0xff, 1, 2, ...new Array(12).fill(0xff), 3, ...new Array(7).fill(0xff)),
  );
  bytesEqual(blocks[1]!.data, bytes(6, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
  equal(blocks[0]!.data[0xfe], 4);
  // Nonsense sizes are a programming error, not a hang.
  throws(() => [...image.writeBlocks(0, 4)]);
  throws(() => [...image.writeBlocks(256, 0)]);
  throws(() => [...image.writeBlocks(4, 8)]);
});

test('MemoryImage: byteAt, read and overlaps at the edges of many segments', () => {
  const segments = Array.from({ length: 50 }, (_, i) => ({
    address: 0x1000 + i * 10,
    data: patternBytes(3, i + 1),
  }));
  const image = MemoryImage.fromSegments([...segments].reverse());
  equal(image.segments.length, 50);
  for (const [i, segment] of segments.entries()) {
    equal(image.byteAt(segment.address - 1), undefined, `before segment ${i}`);
    equal(image.byteAt(segment.address), segment.data[0]);
    equal(image.byteAt(segment.address + 2), segment.data[2]);
    equal(image.byteAt(segment.address + 3), undefined, `after segment ${i}`);
    equal(image.overlaps(segment.address + 3, 7), false);
    equal(image.overlaps(segment.address + 3, 8), i < 49);
    equal(image.overlaps(segment.address + 2, 1), true);
  }
  equal(image.overlaps(0x1000, 0), false);
  const all = image.read(0x0ffe, 510);
  for (let i = 0; i < all.length; i++) equal(all[i], image.byteAt(0x0ffe + i) ?? 0xff);
});

test('MemoryImage: unitsCovered picks the pages and F4 sectors holding data', () => {
  const pages = Array.from({ length: 64 }, (_, i) => ({ address: 0x0800_0000 + i * 1024, size: 1024 }));
  const image = MemoryImage.fromSegments([
    { address: 0x0800_03fc, data: patternBytes(8) }, // straddles pages 0 and 1
    { address: 0x0800_2c00, data: patternBytes(1) }, // first byte of page 11
  ]);
  deepEqual(
    image.unitsCovered(pages).map((p) => (p.address - 0x0800_0000) / 1024),
    [0, 1, 11],
  );
  // STM32F4 sectors: 4 × 16 KiB, 64 KiB, then 128 KiB (RM0090 §3.3).
  const sizes = [16, 16, 16, 16, 64, 128, 128, 128];
  let at = 0x0800_0000;
  const sectors = sizes.map((k, index) => {
    const sector = { index, address: at, size: k * 1024 };
    at += k * 1024;
    return sector;
  });
  const firmware = MemoryImage.fromSegments([
    { address: 0x0800_0000, data: patternBytes(100) },
    { address: 0x0801_fff0, data: patternBytes(32) }, // end of sector 4 into sector 5
  ]);
  deepEqual(
    firmware.unitsCovered(sectors).map((s) => s.index),
    [0, 4, 5],
  );
});

test('MemoryImage: crc32 is the STM32 CRC with 0xFF in the gaps', () => {
  equal(stm32Crc32(bytes(0x78, 0x56, 0x34, 0x12)), 0xdf8a8a2b); // the word 0x12345678, little-endian in memory
  const image = MemoryImage.fromSegments([
    { address: 0x0800_0000, data: bytes(0x78, 0x56, 0x34, 0x12) },
    { address: 0x0800_0a00, data: patternBytes(3000, 3) },
  ]);
  equal(image.crc32(0x0800_0000, 4), 0xdf8a8a2b);
  const length = 0x0a00 + 3000 + 4 - ((0x0a00 + 3000) % 4);
  equal(image.crc32(0x0800_0000, length), stm32Crc32(image.read(0x0800_0000, length)));
  equal(image.crc32(0x0800_0004, 4), stm32Crc32(bytes(0xff, 0xff, 0xff, 0xff)));
  throws(() => image.crc32(0x0800_0000, 6));
});

test('MemoryImage: shifted moves data and entry together', () => {
  const image = MemoryImage.fromSegments([{ address: 0x100, data: bytes(1, 2) }], 0x101).shifted(0x0800_0000);
  deepEqual(image.segments, [{ address: 0x0800_0100, data: bytes(1, 2) }]);
  equal(image.entry, 0x0800_0101);
});
