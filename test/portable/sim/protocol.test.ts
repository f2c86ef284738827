import { chipByPid, MODELS } from '../../../src/stm32/chips.js';
import { bytesEqual, deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import {
  ACK,
  addr,
  cmd,
  exchange,
  expectByte,
  expectSilence,
  NACK,
  pattern,
  readMemory,
  rig,
  sync,
  withXor,
  writeMemory,
} from './rig.js';

test('sim: 0x7F is answered ACK, a second 0x7F once synchronised NACK', async () => {
  const r = rig();
  await sync(r);
  await expectByte(r, [0x7f], NACK, 'second sync');
  equal(r.chip.stats.commands['Sync'], 2);
});

test('sim: bytes before the sync other than 0x7F are ignored', async () => {
  const r = rig();
  await r.clock.run(r.host.write(Uint8Array.of(0x00, 0xff, 0x55)));
  await expectSilence(r, 100);
  await sync(r);
  equal(r.chip.stats.ignoredBytes, 3);
});

test('sim: autobaud adopts the host baud; a sync sent at a changed baud is measured, the retry is answered', async () => {
  const r = rig();
  r.host.configure({ baud: 57600, dataBits: 8, parity: 'even', stopBits: 1 });
  await r.clock.run(r.host.write(Uint8Array.of(0x7f)));
  await expectSilence(r, 100, 'a sync garbled by the baud change');
  await sync(r);
  await expectByte(r, cmd(0x01), ACK, 'Get Version at 57600');
  equal(r.link.stats.bToA.baudMismatches, 0);
});

test('sim: the bootloader listens at the host baud it finds when it starts (autobaud on the first 0x7F)', async () => {
  const r = rig({ unpowered: true });
  r.host.configure({ baud: 19200, dataBits: 8, parity: 'even', stopBits: 1 });
  r.chip.powerOn();
  await sync(r);
  equal(r.link.settings('b')?.baud, 19200);
});

test('sim: Get, Get Version and Get ID answer as AN3155 §3.1–3.3 for every model', async () => {
  for (const model of MODELS) {
    const r = rig({ model: model.name });
    const chip = chipByPid(model.pid);
    await sync(r);
    const expected = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, chip.eraseCommand, 0x63, 0x73, 0x82, 0x92];
    if (chip.protocolVersion >= 0x33) expected.push(0xa1);
    const get = await exchange(r, cmd(0x00), expected.length + 4);
    equal(get[0], ACK, `${model.name} Get ACK`);
    equal(get[1], expected.length, `${model.name} Get N`);
    equal(get[2], chip.protocolVersion, `${model.name} Get version`);
    deepEqual(Array.from(get.subarray(3, 3 + expected.length)), expected, `${model.name} command list`);
    equal(get[get.length - 1], ACK);

    const version = await exchange(r, cmd(0x01), 5);
    deepEqual(Array.from(version), [ACK, chip.protocolVersion, 0, 0, ACK], `${model.name} Get Version`);

    const id = await exchange(r, cmd(0x02), 5);
    deepEqual(Array.from(id), [ACK, 1, model.pid >> 8, model.pid & 0xff, ACK], `${model.name} Get ID`);

    const size = await readMemory(r, chip.flashSizeRegister, 2);
    equal(size[0]! | (size[1]! << 8), model.flashBytes / 1024, `${model.name} flash-size register`);
    r.chip.close();
  }
});

test('sim: the unique ID is 96 bits, stable per model and different between models', async () => {
  const ids: string[] = [];
  for (const name of ['F103C8', 'F103C8', 'F103CB']) {
    const r = rig({ model: name });
    await sync(r);
    const id = await readMemory(r, r.chip.chip.uniqueIdAddress, 12);
    ids.push(Array.from(id).join(','));
    ok(
      id.some((byte) => byte !== 0xff),
      'an ID is not erased flash',
    );
  }
  equal(ids[0], ids[1]);
  ok(ids[0] !== ids[2], 'two models share a unique ID');
});

test('sim: Write Memory then Read Memory gives the same 256 bytes back', async () => {
  const r = rig();
  await sync(r);
  const data = pattern(256);
  equal(await writeMemory(r, 0x0800_0400, data), ACK);
  bytesEqual(await readMemory(r, 0x0800_0400, 256), data);
  bytesEqual(r.chip.flash.read(0x0800_0400, 256), data);
  equal(r.chip.stats.bytesProgrammed, 256);
  equal(r.chip.stats.programmingViolations, 0);
});

test('sim: RAM above the bootloader area is writable and readable', async () => {
  const r = rig();
  await sync(r);
  const ram = r.chip.chip.ramStart;
  equal(await writeMemory(r, ram, [1, 2, 3]), ACK, 'RAM takes any length');
  deepEqual(Array.from(await readMemory(r, ram, 3)), [1, 2, 3]);
});

test('sim: misaligned flash writes are NACKed (address at the address step, length at the end)', async () => {
  const f1 = rig();
  await sync(f1);
  await expectByte(f1, cmd(0x31), ACK);
  await expectByte(f1, addr(0x0800_0002), NACK, 'F103 address not on 4 bytes');

  const g0 = rig({ model: 'G031K8' });
  await sync(g0);
  await expectByte(g0, cmd(0x31), ACK);
  await expectByte(g0, addr(0x0800_0004), NACK, 'G0 address not on 8 bytes');
  equal(await writeMemory(g0, 0x0800_0008, [1, 2, 3, 4]), NACK, 'G0 length not a multiple of 8');
  equal(await writeMemory(g0, 0x0800_0008, [1, 2, 3, 4, 5, 6, 7, 8]), ACK);
  equal(g0.chip.flash.read(0x0800_0008, 1)[0], 1);
});

test('sim: malformed frames are NACKed and leave flash alone', async () => {
  const r = rig();
  await sync(r);
  await expectByte(r, [0x31, 0xcd], NACK, 'wrong complement');
  await expectByte(r, cmd(0x31), ACK);
  const badAddress = addr(0x0800_0000);
  badAddress[4] = badAddress[4]! ^ 1;
  await expectByte(r, badAddress, NACK, 'bad address checksum');
  await expectByte(r, cmd(0x31), ACK);
  await expectByte(r, addr(0x0800_0000), ACK);
  const frame = withXor([3, 0x11, 0x22, 0x33, 0x44]);
  frame[5] = frame[5]! ^ 0x80;
  await expectByte(r, frame, NACK, 'bad data checksum');
  bytesEqual(r.chip.flash.read(0x0800_0000, 4), Uint8Array.of(0xff, 0xff, 0xff, 0xff));
  await expectByte(r, cmd(0x11), ACK);
  await expectByte(r, addr(0x0800_0000), ACK);
  await expectByte(r, [0x03, 0x03], NACK, 'bad length complement');
  await expectByte(r, cmd(0x50), NACK, 'Special is not offered');
  equal(r.chip.stats.nacks, 5);
});

test('sim: Read Memory NACKs unmapped addresses and ranges past the end of flash', async () => {
  const r = rig();
  await sync(r);
  await expectByte(r, cmd(0x11), ACK);
  await expectByte(r, addr(0x3000_0000), NACK, 'unmapped');
  await expectByte(r, cmd(0x11), ACK);
  await expectByte(r, addr(0x0800_ff80), ACK, 'last 128 bytes of 64 KiB');
  await expectByte(r, [0xff, 0x00], NACK, '256 bytes cross the end');
});

test('sim: a frame that stops half-way is abandoned after ~1 s; the next command works', async () => {
  const r = rig();
  await sync(r);
  await expectByte(r, cmd(0x11), ACK);
  await r.clock.run(r.host.write(Uint8Array.of(0x08, 0x00)));
  await expectSilence(r, 1100);
  equal(r.chip.stats.frameTimeouts, 1);
  await expectByte(r, cmd(0x02), ACK, 'Get ID after the timeout');
  await r.clock.run(r.host.readExactly(4, 100));

  await r.clock.run(r.host.write(Uint8Array.of(0x01)));
  await expectSilence(r, 1100, 'half a command');
  const version = await exchange(r, cmd(0x01), 5);
  equal(version[0], ACK);
  equal(r.chip.stats.frameTimeouts, 2);
});

test('sim: an unknown model name fails with the list of models', () => {
  let error: unknown;
  try {
    rig({ model: 'F999ZZ' });
  } catch (caught) {
    error = caught;
  }
  equal((error as { code?: string }).code, 'UNKNOWN_MODEL');
  ok(/F103C8/.test((error as Error).message), 'message lists the models');
});
