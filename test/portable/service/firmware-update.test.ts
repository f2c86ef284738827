/**
 * POST /api/device/firmware: airboot's own firmware over the air, streamed into an updater (the ESP32's OTA
 * partition on the device; a recording fake here) and made the boot image only when whole and accepted.
 */
import type { FirmwareUpdater } from '../../../src/service/firmware-update.js';
import { bytesEqual, deepEqual, equal, match, ok } from '../assert.js';
import { test } from '../harness.js';
import { pattern } from '../stm32/bytes.js';
import { apiRig, RawClient } from './http-api-rig.js';

/** An updater that keeps what it is given and says what happened. */
function fakeUpdater(maxBytes = 64 * 1024, refuse?: string) {
  const events: string[] = [];
  let written = new Uint8Array(0);
  const updater: FirmwareUpdater = {
    maxBytes,
    begin(byteLength) {
      events.push(`begin ${byteLength}`);
      written = new Uint8Array(0);
      return {
        write(bytes) {
          const next = new Uint8Array(written.length + bytes.length);
          next.set(written);
          next.set(bytes, written.length);
          written = next;
        },
        complete() {
          if (refuse) throw new Error(refuse);
          events.push(`complete ${written.length}`);
        },
        abort() {
          events.push('abort');
        },
      };
    },
    restart() {
      events.push('restart');
    },
  };
  return { updater, events, written: () => written };
}

/** An ESP32 application image as far as the route can tell: the 0xE9 magic, then anything. */
function espImage(length: number): Uint8Array {
  const image = pattern(length, 5);
  image[0] = 0xe9;
  return image;
}

test('firmware update: the image streams to the updater, is completed, the answer leaves, then the restart', async () => {
  const fake = fakeUpdater();
  const rig = apiRig({ api: { firmwareUpdater: fake.updater } });
  const image = espImage(20_000);
  const answer = await rig.call('POST', '/api/device/firmware', image, [
    'Content-Type: application/octet-stream',
  ]);
  equal(answer.status, 200, answer.bodyText);
  deepEqual(JSON.parse(answer.bodyText), {
    bytes: 20_000,
    restarting: true,
    message: 'updated; airboot restarts now',
  });
  bytesEqual(fake.written(), image);
  deepEqual(fake.events, ['begin 20000', 'complete 20000'], 'no restart before the answer has left');
  await rig.clock.advance(1000);
  deepEqual(fake.events, ['begin 20000', 'complete 20000', 'restart']);
});

test('firmware update: wrong files and sizes are refused before anything is written', async () => {
  const fake = fakeUpdater(4096);
  const rig = apiRig({ api: { firmwareUpdater: fake.updater } });
  const hex = await rig.call('POST', '/api/device/firmware', ':020000040800F2\n');
  equal(hex.status, 400);
  equal(JSON.parse(hex.bodyText).error, 'NOT_FIRMWARE');
  match(JSON.parse(hex.bodyText).message, /starts 0x3a, not 0xe9.*\/api\/flash/);
  const big = await rig.call('POST', '/api/device/firmware', espImage(5000));
  equal(big.status, 413);
  const form = await rig.call('POST', '/api/device/firmware', espImage(100), [
    'Content-Type: multipart/form-data; boundary=x',
  ]);
  equal(form.status, 415);
  deepEqual(fake.events, [], 'the updater was never started');
});

test('firmware update: an image the SDK refuses is reported and never booted; a cut upload changes nothing', async () => {
  const refused = fakeUpdater(64 * 1024, 'image validation failed');
  const rig = apiRig({ api: { firmwareUpdater: refused.updater } });
  const answer = await rig.call('POST', '/api/device/firmware', espImage(3000));
  equal(answer.status, 400);
  match(JSON.parse(answer.bodyText).message, /the ESP refused the image: image validation failed/);
  deepEqual(refused.events, ['begin 3000', 'abort']);
  await rig.clock.advance(2000);
  ok(!refused.events.includes('restart'));

  const cut = fakeUpdater();
  const second = apiRig({ api: { firmwareUpdater: cut.updater } });
  const client = new RawClient(second.network, second.server.port);
  client.send('POST /api/device/firmware HTTP/1.1\r\nHost: airboot.test\r\nContent-Length: 10000\r\n\r\n');
  client.send(espImage(4000));
  await second.clock.advance(50);
  client.socket.close();
  await second.clock.advance(2000);
  deepEqual(cut.events, ['begin 10000', 'abort']);
  // And the next try goes through.
  const again = await second.call('POST', '/api/device/firmware', espImage(1000));
  equal(again.status, 200, again.bodyText);
});

test('firmware update: no route without an updater (the host, an ESP8266)', async () => {
  const rig = apiRig();
  const answer = await rig.call('POST', '/api/device/firmware', espImage(100));
  equal(answer.status, 404);
});
