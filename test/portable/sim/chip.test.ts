import { stm32Crc32 } from '../../../src/image/crc32.js';
import { bannerText, DEMO_LINE_MAX, utf8 } from '../../../src/sim/demo-app.js';
import { hostOutput } from '../../../src/sim/stm32-sim.js';
import { bytesEqual, equal, ok } from '../assert.js';
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
  readLine,
  rig,
  sync,
  toApp,
  withXor,
} from './rig.js';

/** A plausible vector table (initial SP in RAM, reset handler in flash) so the core "runs" the application. */
const VECTORS = Uint8Array.of(0x00, 0x50, 0x00, 0x20, 0x09, 0x01, 0x00, 0x08);

const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);

test('sim: Go starts the application, which prints its banner with the flash CRC at 115200 8N1', async () => {
  const r = rig();
  r.chip.flash.load(0x0800_0000, VECTORS);
  await sync(r);
  await expectByte(r, cmd(0x21), ACK, 'Go');
  await expectByte(r, addr(0x0800_0000), ACK, 'Go address');
  toApp(r);
  const banner = await readLine(r);
  equal(r.chip.mode, 'app');
  const image = new Uint8Array(64 * 1024).fill(0xff);
  image.set(VECTORS);
  equal(r.chip.appCrc(), stm32Crc32(image), 'CRC over the whole 64 KiB, erased cells included');
  bytesEqual(banner, utf8(bannerText('STM32F103C8', stm32Crc32(image), 64 * 1024)));
  ok(/^airboot demo app on STM32F103C8 .* flash CRC 0x[0-9A-F]{8} \(64 KiB\)\r\n$/.test(ascii(banner)));
});

test('sim: the banner CRC changes with the flash content', async () => {
  const a = rig({ start: 'app', unpowered: true });
  a.chip.flash.load(0x0800_0000, VECTORS);
  const b = rig({ start: 'app', unpowered: true });
  b.chip.flash.load(0x0800_0000, VECTORS);
  b.chip.flash.load(0x0800_fffc, Uint8Array.of(0x00, 0x00, 0x00, 0x00));
  a.chip.powerOn();
  b.chip.powerOn();
  const lineA = ascii(await readLine(a));
  const lineB = ascii(await readLine(b));
  ok(lineA !== lineB, 'one word of difference at the end of flash shows in the CRC');
});

test('sim: Go to an unmapped address is NACKed', async () => {
  const r = rig();
  await sync(r);
  await expectByte(r, cmd(0x21), ACK);
  await expectByte(r, addr(0x4000_0000), NACK);
  equal(r.chip.mode, 'bootloader');
});

test('sim: the application echoes lines (CR, LF or CRLF), bounds them, and ignores empty ones', async () => {
  const r = rig({ start: 'app' });
  r.chip.flash.load(0x0800_0000, VECTORS);
  r.chip.powerOn();
  toApp(r);
  await readLine(r);
  await r.clock.run(r.host.write(utf8('hello\r\n\r\nworld\n')));
  equal(ascii(await readLine(r)), 'echo: hello\r\n');
  equal(ascii(await readLine(r)), 'echo: world\r\n');
  const long = 'x'.repeat(DEMO_LINE_MAX + 20);
  await r.clock.run(r.host.write(utf8(`${long}\r`)));
  equal(ascii(await readLine(r)), `echo: ${'x'.repeat(DEMO_LINE_MAX)} [truncated]\r\n`);
  await expectSilence(r, 50);
});

test('sim: the application jumps to the bootloader on "!bootloader" (software entry)', async () => {
  const r = rig({ start: 'app' });
  r.chip.flash.load(0x0800_0000, VECTORS);
  r.chip.powerOn();
  toApp(r);
  await readLine(r);
  await r.clock.run(r.host.write(utf8('!bootloader\r\n')));
  equal(ascii(await readLine(r)), 'entering bootloader\r\n');
  equal(r.chip.mode, 'bootloader');
  r.host.configure({ baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 });
  await sync(r);
});

test('sim: BOOT0 = 0 at NRST release runs the application; BOOT0 = 1 the bootloader', async () => {
  const r = rig({ start: 'pins', unpowered: true });
  r.chip.flash.load(0x0800_0000, VECTORS);
  const boot0 = hostOutput(r.chip.boot0);
  const nrst = hostOutput(r.chip.nrst);
  r.chip.powerOn();
  equal(r.chip.mode, 'app');
  toApp(r);
  ok(/^airboot demo app/.test(ascii(await readLine(r))));

  boot0.write(1);
  equal(r.chip.mode, 'app', 'BOOT0 is only sampled at reset');
  nrst.write(0);
  equal(r.chip.mode, 'reset');
  r.host.configure({ baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 });
  await r.clock.run(r.host.write(Uint8Array.of(0x7f)));
  await expectSilence(r, 100, 'a chip held in reset');
  nrst.write(1);
  equal(r.chip.mode, 'bootloader');
  await sync(r);

  boot0.write(0);
  nrst.write(0);
  nrst.write(1);
  equal(r.chip.mode, 'app');
});

test('sim: with erased flash the application does not run (the core faults, the UART stays silent)', async () => {
  const r = rig({ start: 'app' });
  toApp(r);
  equal(r.chip.mode, 'app');
  await expectSilence(r, 100);
});

test('sim: timing model: bootloader start-up, 1 KiB page erase 30 ms, programming 128 half-words on F103', async () => {
  const r = rig({ timing: true, unpowered: true });
  r.chip.powerOn();
  await r.clock.run(r.host.write(Uint8Array.of(0x7f)));
  await expectSilence(r, 20, 'the bootloader during its start-up');
  await r.clock.advance(40);
  await sync(r);

  await expectByte(r, cmd(0x43), ACK);
  let started = r.clock.now();
  await expectByte(r, withXor([0x00, 0x05]), ACK, 'erase page 5');
  equal(r.clock.now() - started, 30, 'F103 page erase time');

  await expectByte(r, cmd(0x31), ACK);
  await expectByte(r, addr(0x0800_1400), ACK);
  started = r.clock.now();
  await expectByte(r, withXor([255, ...pattern(256)]), ACK, 'write 256 bytes');
  equal(Math.round((r.clock.now() - started) * 1000), 6720, '128 half-words × 52.5 µs');
});

test('sim: timing model: F4 sector erase takes longer for bigger sectors', async () => {
  const r = rig({ model: 'F407VG', timing: true });
  await r.clock.advance(100);
  await sync(r);
  const times: number[] = [];
  for (const sector of [0, 4, 5]) {
    await expectByte(r, cmd(0x44), ACK);
    const started = r.clock.now();
    await expectByte(r, withXor([0, 0, 0, sector]), ACK, `erase sector ${sector}`, 5000);
    times.push(r.clock.now() - started);
  }
  equal(times.join(','), '400,1100,2000');
});

test('sim: bytes sent while the chip erases are lost', async () => {
  const r = rig({ timing: true });
  await r.clock.advance(60);
  await sync(r);
  await expectByte(r, cmd(0x43), ACK);
  const ack = await exchange(r, [...withXor([0x00, 0x05]), ...cmd(0x02)], 1);
  equal(ack[0], ACK);
  await expectSilence(r, 100, 'Get ID sent during the erase');
  ok(r.chip.stats.ignoredBytes >= 2);
});

test('sim: fault nackNext refuses the next commands of that code only', async () => {
  const r = rig();
  await sync(r);
  r.chip.faults.nackNext(0x01, 2);
  await expectByte(r, cmd(0x01), NACK);
  await expectByte(r, cmd(0x01), NACK);
  equal((await exchange(r, cmd(0x01), 5))[0], ACK, 'third Get Version');
  equal((await exchange(r, cmd(0x02), 5))[0], ACK, 'other commands unaffected');
  equal(r.chip.faults.injected.nacks, 2);
});

test('sim: fault dropNextAnswerBytes loses the ACK of a sync; the retry then gets NACK (already synced)', async () => {
  const r = rig();
  r.chip.faults.dropNextAnswerBytes(1);
  await r.clock.run(r.host.write(Uint8Array.of(0x7f)));
  await expectSilence(r, 500, 'the dropped ACK');
  await expectByte(r, [0x7f], NACK, 'retry');
  equal(r.chip.faults.injected.droppedBytes, 1);
});

test('sim: fault corruptNextAnswerByte flips the bits of one byte', async () => {
  const r = rig();
  await sync(r);
  r.chip.faults.corruptNextAnswerByte();
  const answer = await exchange(r, cmd(0x01), 5);
  equal(answer[0], ACK ^ 0xff);
  equal(answer[4], ACK, 'only one byte is damaged');
  equal(r.chip.faults.injected.corruptedBytes, 1);
});

test('sim: fault delayNextAnswer holds the answer back, later answers stay in order', async () => {
  const r = rig();
  await sync(r);
  r.chip.faults.delayNextAnswer(300);
  const started = r.clock.now();
  const answers = await exchange(r, [...cmd(0x01), ...cmd(0x02)], 10);
  ok(r.clock.now() - started >= 300, 'the answers came 300 ms late');
  equal(
    answers.join(','),
    [ACK, 0x22, 0, 0, ACK, ACK, 1, 0x04, 0x10, ACK].join(','),
    'Get Version, then Get ID',
  );
  equal(r.chip.faults.injected.delayedAnswers, 1);
});

test('sim: fault doubleAckOnSync answers 0x7F with two ACKs (L412 quirk)', async () => {
  const r = rig();
  r.chip.faults.doubleAckOnSync = true;
  const answer = await exchange(r, [0x7f], 2);
  equal(answer.join(','), `${ACK},${ACK}`);
  equal(r.chip.faults.injected.doubleAcks, 1);
});
