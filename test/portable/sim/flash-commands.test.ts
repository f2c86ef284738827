import { stm32Crc32 } from '../../../src/image/crc32.js';
import { crcBitwise } from '../../../src/sim/crc.js';
import { SimFlash } from '../../../src/sim/sim-flash.js';
import { chipByPid, modelByName } from '../../../src/stm32/chips.js';
import { bytesEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import {
  ACK,
  addr,
  cmd,
  exchange,
  expectByte,
  NACK,
  pattern,
  readMemory,
  rig,
  sync,
  withXor,
  word,
  writeMemory,
} from './rig.js';

const erased = (length: number) => new Uint8Array(length).fill(0xff);

test('sim: Erase (0x43) of one page leaves its neighbours; 0xFF 0x00 erases everything', async () => {
  const r = rig();
  for (const page of [0, 1, 2]) r.chip.flash.load(0x0800_0000 + page * 1024, pattern(1024, page + 1));
  await sync(r);
  await expectByte(r, cmd(0x43), ACK);
  await expectByte(r, withXor([0x00, 0x01]), ACK, 'erase page 1');
  bytesEqual(r.chip.flash.read(0x0800_0400, 1024), erased(1024));
  bytesEqual(r.chip.flash.read(0x0800_0000, 1024), pattern(1024, 1));
  bytesEqual(r.chip.flash.read(0x0800_0800, 1024), pattern(1024, 3));
  equal(r.chip.stats.unitsErased, 1);

  await expectByte(r, cmd(0x43), ACK);
  await expectByte(r, [0xff, 0x00], ACK, 'global erase');
  bytesEqual(r.chip.flash.read(0x0800_0000, 3072), erased(3072));
  equal(r.chip.stats.massErases, 1);
});

test('sim: Erase with a page past the flash or a bad checksum is NACKed and erases nothing', async () => {
  const r = rig();
  r.chip.flash.load(0x0800_0000, pattern(16));
  await sync(r);
  await expectByte(r, cmd(0x43), ACK);
  await expectByte(r, withXor([0x01, 0x00, 0x40]), NACK, 'page 64 of a 64-page flash');
  await expectByte(r, cmd(0x43), ACK);
  await expectByte(r, [0x00, 0x00, 0x01], NACK, 'bad checksum');
  bytesEqual(r.chip.flash.read(0x0800_0000, 16), pattern(16));
});

test('sim: each chip offers only its own erase command', async () => {
  const f1 = rig();
  await sync(f1);
  await expectByte(f1, cmd(0x44), NACK, 'F103C8 has no Extended Erase');
  const f4 = rig({ model: 'F407VG' });
  await sync(f4);
  await expectByte(f4, cmd(0x43), NACK, 'F407 has no Erase');
});

test('sim: Extended Erase of F4 sectors of different sizes (16 K, 64 K, 128 K)', async () => {
  const r = rig({ model: 'F407VG' });
  const flash = r.chip.flash;
  equal(flash.units.length, 12);
  equal(flash.units[4]!.size, 64 * 1024);
  for (const address of [0x0800_c000, 0x0801_0000, 0x0801_ff00, 0x0802_0000])
    flash.load(address, pattern(256));
  await sync(r);
  await expectByte(r, cmd(0x44), ACK);
  await expectByte(r, withXor([0x00, 0x00, 0x00, 0x04]), ACK, 'erase sector 4');
  bytesEqual(flash.read(0x0801_0000, 256), erased(256), 'start of sector 4');
  bytesEqual(flash.read(0x0801_ff00, 256), erased(256), 'end of sector 4');
  bytesEqual(flash.read(0x0800_c000, 256), pattern(256), 'sector 3 untouched');
  bytesEqual(flash.read(0x0802_0000, 256), pattern(256), 'sector 5 untouched');

  await expectByte(r, cmd(0x44), ACK);
  await expectByte(r, withXor([0x00, 0x01, 0x00, 0x03, 0x00, 0x05]), ACK, 'erase sectors 3 and 5');
  bytesEqual(flash.read(0x0800_c000, 256), erased(256));
  bytesEqual(flash.read(0x0802_0000, 256), erased(256));
  equal(r.chip.stats.unitsErased, 3);
});

test('sim: Extended Erase specials: mass (FFFF), bank 1 (FFFE) on a dual-bank part, NACKs where absent', async () => {
  const l4 = rig({ model: 'L476RG' });
  l4.chip.flash.load(0x0800_0000, pattern(64));
  l4.chip.flash.load(0x0808_0000, pattern(64));
  await sync(l4);
  await expectByte(l4, cmd(0x44), ACK);
  await expectByte(l4, [0xff, 0xfe, 0x01], ACK, 'bank 1 erase');
  bytesEqual(l4.chip.flash.read(0x0800_0000, 64), erased(64));
  bytesEqual(l4.chip.flash.read(0x0808_0000, 64), pattern(64), 'bank 2 untouched');
  await expectByte(l4, cmd(0x44), ACK);
  await expectByte(l4, [0xff, 0xff, 0x00], ACK, 'mass erase');
  bytesEqual(l4.chip.flash.read(0x0808_0000, 64), erased(64));

  const g4 = rig({ model: 'G431KB' });
  await sync(g4);
  await expectByte(g4, cmd(0x44), ACK);
  await expectByte(g4, [0xff, 0xfd, 0x02], NACK, 'no bank 2 on a single-bank part');

  const l0 = rig({ model: 'L031K6' });
  l0.chip.flash.load(0x0800_0000, pattern(128));
  await sync(l0);
  await expectByte(l0, cmd(0x44), ACK);
  await expectByte(l0, [0xff, 0xff, 0x00], NACK, 'L0 has no mass erase');
  bytesEqual(l0.chip.flash.read(0x0800_0000, 128), pattern(128));
  await expectByte(l0, cmd(0x44), ACK);
  await expectByte(l0, withXor([0x00, 0x00, 0x00, 0x00]), ACK, 'L0 128-byte page 0');
  bytesEqual(l0.chip.flash.read(0x0800_0000, 128), erased(128));
});

test('sim: programming only clears bits; writing over programmed cells is counted', async () => {
  const r = rig();
  await sync(r);
  equal(await writeMemory(r, 0x0800_0000, [0x0f, 0x0f, 0x0f, 0x0f, 0xff, 0xff, 0xff, 0xff]), ACK);
  equal(r.chip.stats.programmingViolations, 0, 'first write is on erased cells');
  equal(await writeMemory(r, 0x0800_0000, [0xf0, 0xf0, 0xff, 0xff, 0x12, 0x34, 0xff, 0xff]), ACK);
  // Half-word units (F103): the first is over programmed cells; the others were erased or are padding.
  equal(r.chip.stats.programmingViolations, 1);
  bytesEqual(
    r.chip.flash.read(0x0800_0000, 8),
    Uint8Array.of(0x00, 0x00, 0x0f, 0x0f, 0x12, 0x34, 0xff, 0xff),
    'flash holds old AND new',
  );
  r.chip.flash.load(0x0800_0010, Uint8Array.of(0x0f));
  r.chip.flash.load(0x0800_0010, Uint8Array.of(0xf1));
  equal(r.chip.flash.read(0x0800_0010, 1)[0], 0x01, 'load only clears bits too');
});

test('sim: readout protection: ACK ACK, reset; reads NACKed; unprotect erases flash', async () => {
  const r = rig();
  r.chip.flash.load(0x0800_0000, pattern(64));
  await sync(r);
  const resets = r.chip.stats.resets;
  equal((await exchange(r, cmd(0x82), 2)).join(','), `${ACK},${ACK}`, 'Readout Protect');
  await r.clock.advance(10);
  equal(r.chip.stats.resets, resets + 1, 'the chip reset itself');
  ok(r.chip.readoutProtected, 'RDP level 1 after the reset');

  await sync(r);
  await expectByte(r, cmd(0x11), NACK, 'Read Memory under RDP');
  await expectByte(r, cmd(0x31), NACK, 'Write Memory under RDP');
  await expectByte(r, cmd(0x21), NACK, 'Go under RDP');
  await expectByte(r, cmd(0x43), NACK, 'Erase under RDP');
  const id = await exchange(r, cmd(0x02), 5);
  equal(id[0], ACK, 'Get ID is still served');

  equal((await exchange(r, cmd(0x92), 2)).join(','), `${ACK},${ACK}`, 'Readout Unprotect');
  await r.clock.advance(10);
  ok(!r.chip.readoutProtected, 'RDP off after the reset');
  bytesEqual(r.chip.flash.read(0x0800_0000, 64), erased(64), 'unprotect mass-erased the flash');
  await sync(r);
  bytesEqual(await readMemory(r, 0x0800_0000, 4), erased(4));
});

test('sim: an option-byte write must start at the base, replaces the block and resets the chip', async () => {
  const r = rig();
  const base = r.chip.chip.optionBytes!;
  await sync(r);
  const defaults = await readMemory(r, base, 16);
  equal(defaults[0], 0xa5, 'F1 RDP byte unprotected');
  await expectByte(r, cmd(0x31), ACK);
  await expectByte(r, addr(base + 2), NACK, 'not the option-byte base');
  const block = Array.from(defaults);
  block[0] = 0x00;
  block[1] = 0xff;
  equal(await writeMemory(r, base, block), ACK);
  await r.clock.advance(10);
  ok(r.chip.readoutProtected, 'RDP byte 0x00 protects after the reset');
});

test('sim: Write Protect skips protected pages silently; Write Unprotect (ACK, ACK, reset) lifts it', async () => {
  const r = rig();
  await sync(r);
  await expectByte(r, cmd(0x63), ACK);
  await expectByte(r, withXor([0x00, 0x00]), ACK, 'protect page 0');
  await r.clock.advance(10);
  ok(r.chip.flash.isWriteProtected(0));
  await sync(r);
  equal(await writeMemory(r, 0x0800_0000, [1, 2, 3, 4]), ACK, 'AN3155: protected writes are not reported');
  bytesEqual(r.chip.flash.read(0x0800_0000, 4), erased(4));
  equal(r.chip.stats.protectedSkips, 2);

  equal((await exchange(r, cmd(0x73), 2)).join(','), `${ACK},${ACK}`);
  await r.clock.advance(10);
  ok(!r.chip.flash.isWriteProtected(0));
  await sync(r);
  equal(await writeMemory(r, 0x0800_0000, [1, 2, 3, 4]), ACK);
  equal(r.chip.flash.read(0x0800_0000, 1)[0], 1);
});

async function getChecksum(
  r: ReturnType<typeof rig>,
  address: number,
  words: number,
  poly: number,
  init: number,
) {
  await expectByte(r, cmd(0xa1), ACK, 'Get Checksum');
  await expectByte(r, addr(address), ACK, 'address');
  await expectByte(r, word(words), ACK, 'size');
  await expectByte(r, word(poly), ACK, 'polynomial');
  const answer = await exchange(r, word(init), 7);
  equal(answer[0], ACK, 'initial value');
  equal(answer[1], ACK, 'result');
  let xor = 0;
  for (let i = 2; i < 6; i++) xor ^= answer[i]!;
  equal(answer[6], xor, 'CRC checksum byte');
  return ((answer[2]! << 24) | (answer[3]! << 16) | (answer[4]! << 8) | answer[5]!) >>> 0;
}

test('sim: Get Checksum (0xA1) equals stm32Crc32 of the content, and honours polynomial and initial value', async () => {
  const r = rig({ model: 'G031K8' });
  const content = pattern(1024, 7);
  r.chip.flash.load(0x0800_0800, content);
  await sync(r);
  equal(await getChecksum(r, 0x0800_0800, 256, 0x04c1_1db7, 0xffff_ffff), stm32Crc32(content));
  equal(
    await getChecksum(r, 0x0800_0800, 256, 0x1edc_6f41, 0x1234_5678),
    crcBitwise(content, 0x1edc_6f41, 0x1234_5678),
  );

  await expectByte(r, cmd(0xa1), ACK);
  await expectByte(r, addr(0x0800_0802), NACK, 'address not on a word');
  await expectByte(r, cmd(0xa1), ACK);
  await expectByte(r, addr(0x0800_0000), ACK);
  await expectByte(r, word(0x4001), NACK, 'past the end of 64 KiB');
});

test('sim: Get Checksum is not offered below protocol 3.3', async () => {
  const r = rig({ model: 'F103C8' });
  await sync(r);
  await expectByte(r, cmd(0xa1), NACK);
});

test('sim: the generic CRC equals the table CRC for the default polynomial', () => {
  const data = pattern(4096, 3);
  equal(crcBitwise(data, 0x04c1_1db7, 0xffff_ffff), stm32Crc32(data));
  // Known value: the STM32 CRC unit gives 0xC704DD7B for the single word 0x00000000 from reset.
  equal(stm32Crc32(new Uint8Array(4)), 0xc704_dd7b);
});

test('sim: SimFlash maps only the modelled regions', () => {
  const model = modelByName('F103C8')!;
  const flash = new SimFlash(chipByPid(model.pid), model);
  equal(flash.size, 64 * 1024);
  equal(flash.units.length, 64);
  throws(() => flash.read(0x0801_0000, 1), { code: 'SIM_MEMORY' });
  throws(() => flash.read(0x0800_fffe, 4), { code: 'SIM_MEMORY' });
  throws(() => flash.load(0x1fff_f7e0, Uint8Array.of(0)), { code: 'SIM_MEMORY' });
  bytesEqual(flash.read(0x1fff_f7e0, 2), Uint8Array.of(64, 0), 'flash size in KiB, little-endian');
  flash.load(0x0800_0000, pattern(32));
  flash.eraseAll();
  bytesEqual(flash.read(0x0800_0000, 32), erased(32));
});

test('sim: RDP level 2 written to the option bytes disables the bootloader for good', async () => {
  const r = rig({ model: 'F407VG' });
  const base = r.chip.chip.optionBytes!;
  await sync(r);
  const block = Array.from(await readMemory(r, base, 16));
  equal(block[1], 0xaa, 'F4 RDP byte at level 0');
  block[1] = 0xcc;
  equal(await writeMemory(r, base, block), ACK);
  await r.clock.advance(10);
  equal(r.chip.mode, 'app', 'a reset with BOOT0 high (standalone bootloader) no longer reaches the ROM');
  ok(r.chip.readoutProtected);
});
