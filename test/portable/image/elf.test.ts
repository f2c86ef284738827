import { parseElf } from '../../../src/image/elf.js';
import { ImageError } from '../../../src/image/errors.js';
import { deepEqual, equal, match, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { patternBytes, writeElf } from './writers.js';

const text = patternBytes(200, 1);
const data = patternBytes(24, 2);

/** A typical Cortex-M link: code in flash, .data stored after it (LMA) but run from RAM (VMA), .bss in RAM only. */
function firmware() {
  return writeElf(
    [
      { type: 4, paddr: 0x0900_0000, data: patternBytes(8, 3) }, // PT_NOTE: not loaded
      { paddr: 0x0800_0000, data: text },
      { paddr: 0x0800_00c8, vaddr: 0x2000_0000, data, memSize: 24 + 1000 }, // .data followed by .bss
      { paddr: 0x2000_0400, data: new Uint8Array(0), memSize: 512 }, // stack/heap: nothing to load
    ],
    { entry: 0x0800_0011, padding: 12 },
  );
}

test('ELF: PT_LOAD segments are placed at p_paddr with p_filesz bytes; .bss and other headers are not', () => {
  const image = parseElf(firmware());
  const expected = new Uint8Array(224);
  expected.set(text);
  expected.set(data, 200);
  deepEqual(image.segments, [{ address: 0x0800_0000, data: expected }]); // touching segments merge
  equal(image.entry, 0x0800_0011);
  equal(image.overlaps(0x2000_0000, 0x1000), false);
  equal(image.overlaps(0x0900_0000, 8), false);
});

test('ELF: separate segments stay separate; e_entry 0 means no entry point', () => {
  const image = parseElf(
    writeElf([
      { paddr: 0x0800_4000, data: patternBytes(8, 4) },
      { paddr: 0x0800_0000, data: patternBytes(16, 5) },
    ]),
  );
  deepEqual(image.segments, [
    { address: 0x0800_0000, data: patternBytes(16, 5) },
    { address: 0x0800_4000, data: patternBytes(8, 4) },
  ]);
  equal(image.entry, undefined);
});

test('ELF: 64-bit, big-endian, other machines and non-executables are refused by name', () => {
  const file = firmware();
  const elf64 = file.slice();
  elf64[4] = 2;
  match(throws(() => parseElf(elf64), { code: 'ELF_CLASS', offset: 4 }).message, /64-bit/);
  const big = file.slice();
  big[5] = 2;
  match(throws(() => parseElf(big), { code: 'ELF_ENDIAN', offset: 5 }).message, /big-endian/);
  const x86 = writeElf([{ paddr: 0, data: text }], { machine: 62 });
  match(
    throws(() => parseElf(x86), { code: 'ELF_MACHINE', offset: 18 }).message,
    /machine 62, not ARM \(40\)/,
  );
  const object = writeElf([{ paddr: 0, data: text }], { elfType: 1 });
  match(throws(() => parseElf(object), { code: 'ELF_TYPE' }).message, /relocatable.*link it first/);
  throws(() => parseElf(Uint8Array.of(1, 2, 3, 4, 5)), { code: 'ELF_MAGIC' });
});

test('ELF: no loadable data is EMPTY', () => {
  throws(() => parseElf(writeElf([])), { code: 'EMPTY' });
  throws(() => parseElf(writeElf([{ paddr: 0x2000_0000, data: new Uint8Array(0), memSize: 64 }])), {
    code: 'EMPTY',
  });
  throws(() => parseElf(writeElf([{ type: 6, paddr: 0, data: text }])), { code: 'EMPTY' });
});

test('ELF: bad program headers are ELF_SEGMENT / ELF_TRUNCATED / OVERLAP with the offset', () => {
  const file = writeElf([{ paddr: 0x0800_0000, data: text }]);
  const view = new DataView(file.buffer);
  const fileBigger = file.slice();
  new DataView(fileBigger.buffer).setUint32(52 + 20, 10, true); // p_memsz < p_filesz
  throws(() => parseElf(fileBigger), { code: 'ELF_SEGMENT', offset: 52 + 16 });
  const beyond = file.slice();
  new DataView(beyond.buffer).setUint32(52 + 4, view.getUint32(52 + 4, true) + 1, true); // p_offset one too far
  throws(() => parseElf(beyond), { code: 'ELF_TRUNCATED', offset: view.getUint32(52 + 4, true) + 1 });
  const huge = file.slice();
  new DataView(huge.buffer).setUint32(52 + 4, 0xffff_ff00, true);
  throws(() => parseElf(huge), { code: 'ELF_TRUNCATED' });
  const top = file.slice();
  new DataView(top.buffer).setUint32(52 + 12, 0xffff_ff80, true);
  throws(() => parseElf(top), { code: 'ELF_SEGMENT', offset: 52 + 12 });
  const manyHeaders = file.slice();
  new DataView(manyHeaders.buffer).setUint16(44, 5000, true);
  throws(() => parseElf(manyHeaders), { code: 'ELF_TRUNCATED', offset: 52 });
  const smallEntries = file.slice();
  new DataView(smallEntries.buffer).setUint16(42, 16, true);
  throws(() => parseElf(smallEntries), { code: 'ELF_HEADER', offset: 42 });
  throws(
    () =>
      parseElf(
        writeElf([
          { paddr: 0x100, data: text },
          { paddr: 0x180, data },
        ]),
      ),
    { code: 'OVERLAP', offset: 52 + 32 },
  );
});

test('ELF: every truncation of a file throws ImageError', () => {
  const file = firmware(); // the last bytes belong to a loaded segment
  for (let cut = 0; cut < file.length; cut++) {
    try {
      parseElf(file.subarray(0, cut));
    } catch (error) {
      ok(error instanceof ImageError, `cut at ${cut} threw ${String(error)}`);
      continue;
    }
    throw new Error(`a file cut to ${cut} of ${file.length} bytes parsed`);
  }
});

test('ELF: damaged headers never crash the parser', () => {
  const file = firmware();
  let state = 12345;
  for (let round = 0; round < 400; round++) {
    const copy = file.slice();
    for (let k = 0; k < 3; k++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const at = 4 + (state % (52 + 4 * 32 - 4)); // anywhere in the headers after the magic
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      copy[at] = state >>> 24;
    }
    try {
      parseElf(copy);
    } catch (error) {
      ok(error instanceof ImageError, `round ${round} threw ${String(error)}`);
    }
  }
});
