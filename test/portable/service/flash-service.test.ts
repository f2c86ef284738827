import { MemoryImage } from '../../../src/image/memory-image.js';
import { UART_8N1 } from '../../../src/io/contracts.js';
import { decodeUtf8, encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { BusyError, FlashService } from '../../../src/service/flash-service.js';
import type { UartClient } from '../../../src/service/uart-hub.js';
import { FLASH_BASE } from '../../../src/stm32/chips.js';
import { bytesEqual, deepEqual, equal, match, ok, rejects, throws } from '../assert.js';
import { test } from '../harness.js';
import { simRig } from './bridge-rig.js';

/** The bench blue pill (bridge-rig) with a FlashService and one raw client that records output and notices. */
function rig() {
  const { clock, chip, hub, target } = simRig();
  const service = new FlashService({ hub, target, timer: clock });
  const received: string[] = [];
  const notices: string[] = [];
  const client = hub.attach('raw', 'test', {
    deliver: (bytes) => received.push(decodeUtf8(bytes)),
    notice: (text) => notices.push(text),
  }) as UartClient;
  return { clock, chip, hub, service, client, received, notices };
}

/** A small firmware: a vector table (SP in RAM, reset handler in flash) then a recognisable pattern. */
function firmware(bytes = 3000): MemoryImage {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31 + 7) & 0xff;
  data.set([0x00, 0x50, 0x00, 0x20, 0x01, 0x01, 0x00, 0x08], 0);
  return MemoryImage.fromSegments([{ address: FLASH_BASE, data }]);
}

test('FlashService: a job takes the UART, flashes and verifies, and hands the chip back running its new application', async () => {
  const r = rig();
  const image = firmware();
  const { record, done } = r.service.start(image, 'test.bin');
  equal(record.state, 'running');
  equal(r.hub.takenFor, 'flash job 1');
  const finished = await r.clock.run(done);
  equal(finished.state, 'succeeded', finished.error?.message);
  equal(finished.result?.verified, true);
  bytesEqual(r.chip.flash.read(FLASH_BASE, image.size), image.read(FLASH_BASE, image.size));
  equal(r.chip.mode, 'app');
  equal(r.hub.takenFor, undefined);
  deepEqual(r.hub.settings, UART_8N1);
  // Clients were told both ways, and the new application's banner reached them at 8N1.
  equal(r.notices.length, 2);
  match(r.notices[0]!, /flash job 1 started/);
  match(r.notices[1]!, /finished; serial resumed at 115200 8N1/);
  await r.clock.advance(100);
  // The last banner is the new application's: its CRC is that of the flash as the job left it.
  const banners = [...r.received.join('').matchAll(/flash CRC 0x([0-9A-F]{8})/g)];
  ok(banners.length > 0, 'a banner after the job');
  equal(banners[banners.length - 1]![1], r.chip.appCrc().toString(16).toUpperCase().padStart(8, '0'));
  equal(r.service.history.length, 1);
});

test('FlashService: a second job while one runs is refused with BusyError', async () => {
  const r = rig();
  const first = r.service.start(firmware(), 'a.bin');
  const error = throws(() => r.service.start(firmware(), 'b.bin'), { code: 'BUSY' });
  ok(error instanceof BusyError);
  equal((await r.clock.run(first.done)).state, 'succeeded');
});

test('FlashService: what clients type during a job is held back and reaches the application afterwards', async () => {
  const r = rig();
  const job = r.service.start(firmware(), 'a.bin');
  await r.clock.advance(300);
  equal(r.client.write(encodeUtf8('hello\r\n')), 'held');
  await r.clock.run(job.done);
  await r.clock.advance(200);
  match(r.received.join(''), /echo: hello/);
});

test('FlashService: a chip that never answers fails the job loudly and leaves the UART to the clients', async () => {
  const r = rig();
  r.chip.close();
  const job = r.service.start(firmware(), 'a.bin');
  const finished = await r.clock.run(job.done);
  equal(finished.state, 'failed');
  equal(finished.error?.code, 'TIMEOUT');
  equal(r.hub.takenFor, undefined);
  deepEqual(r.hub.settings, UART_8N1);
});

test('FlashService.identify: the chip is named without flashing, and handed back running its application', async () => {
  const r = rig();
  equal(r.service.known, undefined);
  const found = await r.clock.run(r.service.identify());
  equal(found.chip.pid, 0x410);
  equal(found.chip.flashBytes, 64 * 1024);
  equal(found.bootloaderVersion, 0x22);
  deepEqual(r.service.known, found);
  equal(r.chip.mode, 'app');
  equal(r.hub.takenFor, undefined);
  deepEqual(r.hub.settings, UART_8N1);
  equal(r.service.history.length, 0, 'identify is not a flash job');
  match(r.notices[0]!, /identify/);
});

test('FlashService.identify: refused while a job runs, and a job is refused while it runs', async () => {
  const r = rig();
  const job = r.service.start(firmware(), 'a.bin');
  await rejects(r.service.identify(), { code: 'BUSY' });
  await r.clock.run(job.done);
  const identifying = r.service.identify();
  const error = throws(() => r.service.start(firmware(), 'b.bin'), { code: 'BUSY' }) as BusyError;
  equal(error.jobId, null);
  match(error.message, /being identified/);
  await r.clock.run(identifying);
});

test('FlashService.identify: a chip that never answers fails with the wiring diagnosis and keeps what was known', async () => {
  const r = rig();
  const known = await r.clock.run(r.service.identify());
  r.chip.faults.muted = true;
  const error = await r.clock.run(rejects(r.service.identify(), { code: 'TIMEOUT' }));
  match(error.message, /did not answer 0x7F.*BOOT0\/NRST/);
  deepEqual(r.service.known, known, 'a failed identify does not forget the chip');
  equal(r.hub.takenFor, undefined, 'the UART is given back');
  r.chip.faults.muted = false;
  equal((await r.clock.run(r.service.identify())).chip.pid, 0x410);
});
