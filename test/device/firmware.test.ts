/**
 * The firmware as it starts on a board (firmware/main.ts → app/device.ts → the portable Bridge), with every
 * Moddable module replaced by a fake (test/device/fakes): a simulated blue pill on the UART and GPIO4/5, an
 * in-memory network for the TCP ports and the captive DNS, flash and Preference in RAM. Run on XS by
 * tools/test-device.ts.
 */
import { encodeUtf8 } from '../../src/net/encoding/utf8.js';
import { demoFirmware } from '../../src/sim/demo-firmware.js';
import { FLASH_BASE } from '../../src/stm32/chips.js';
import { bytesEqual, deepEqual, equal, match, ok, throws } from '../portable/assert.js';
import { test } from '../portable/harness.js';
import { bench } from './bench.js';

test('device: first boot is the LESTO access point with captive DNS, every service on its port, the pins safe', async () => {
  const { world, chip, device } = bench();
  await world.clock.advance(10);
  deepEqual(world.wifi.calls, ['disconnect', 'ap LESTO lestofante max=2']);
  equal(device.wifi?.state, 'access-point');
  deepEqual(
    world.network.ports.sort((a, b) => a - b),
    [80, 1234, 1235, 2217],
  );
  equal(world.pinModes.get(5), 'OutputOpenDrain', 'NRST is driven open-drain');
  equal(world.pinModes.get(4), 'Output');
  equal(chip.boot0.level, 0, 'BOOT0 low: the application runs');
  deepEqual(world.uartOptions[0], {
    ...world.uartOptions[0],
    port: 0,
    swap: false,
    baud: 115200,
    parity: 'none',
    receiveBufferBytes: 1024,
  });
  // The captive DNS answers a phone's probe with the access point's address.
  const dns = world.udp.find((binding) => binding.port === 53)!;
  ok(dns, 'UDP port 53 is bound');
  const query = Uint8Array.of(0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x77, 0x77, 0x77, 0, 0, 1, 0, 1);
  dns.inbox.push({ bytes: query, address: '192.168.4.2', port: 40000 });
  dns.onReadable(1);
  equal(dns.sent.length, 1);
  deepEqual(Array.from(dns.sent[0]!.bytes.subarray(-4)), [192, 168, 4, 1]);
  equal(world.mdns.hostName, 'airboot-abcd');
  deepEqual(
    world.mdns.services.map((s) => [s.name, s.txt?.version]),
    [
      ['airboot', '1.2.3-test'],
      ['http', '1.2.3-test'],
    ],
  );
  ok(world.traces.some((line) => /airboot info: .*BOOT0=GPIO4 NRST=GPIO5 \(open-drain\)/.test(line)));
  device.close();
});

test('device: the web page from resources, the status as a device, settings saved in Preference', async () => {
  const { world, device, http } = bench();
  const page = await http('GET', '/', undefined, ['Accept-Encoding: gzip']);
  equal(page.status, 200);
  equal(page.headers.get('content-encoding'), 'gzip');
  bytesEqual(page.body, world.resources.get('index.html.gz')!);
  const status = JSON.parse((await http('GET', '/api/status')).bodyText);
  deepEqual(status.runtime, { platform: 'device', wifi: true });
  const saved = await http('PUT', '/api/settings', encodeUtf8('{"uart.baud": 57600}'), [
    'Content-Type: application/json',
  ]);
  equal(saved.status, 200, saved.bodyText);
  equal(world.preferences.get('airboot/uart.baud'), '57600');
  device.close();
});

test('device: an image uploaded over HTTP is staged in the flash partition and flashed into the chip', async () => {
  const { world, chip, device, http } = bench();
  const image = demoFirmware('over the air');
  // The application, then 10 KiB of data after it: more than the device may decode in RAM.
  const data = new Uint8Array(image.size + 10 * 1024);
  data.set(image.read(FLASH_BASE, image.size));
  for (let i = image.size; i < data.length; i++) data[i] = (i * 7) & 0xff;
  ok(data.length > device.bridge.options.maxImageBytes!, 'larger than what the device may decode in RAM');
  const answer = await http('POST', '/api/flash?name=app.bin', data, [
    'Content-Type: application/octet-stream',
  ]);
  equal(answer.status, 200, answer.bodyText);
  const job = JSON.parse(answer.bodyText);
  equal(job.state, 'succeeded');
  equal(job.result.verified, true);
  bytesEqual(chip.flash.read(FLASH_BASE, data.length), data);
  bytesEqual(world.partitions.get('storage')!.bytes.subarray(0, data.length), data, 'staged in flash first');
  equal(chip.mode, 'app', 'the chip runs its new application');
  await world.clock.advance(10);
  equal(world.mdns.services[0]!.txt?.chip, job.result.chip.name, 'mDNS TXT names the chip once known');
  device.close();
});

test('device: saved WiFi credentials join the network; new ones saved over HTTP restart WiFi after the answer', async () => {
  const { world, device, http } = bench((w) => {
    w.preferences.set('airboot/wifi.ssid', 'workshop');
    w.preferences.set('airboot/wifi.password', 'solder123');
  });
  deepEqual(world.wifi.calls, ['station workshop']);
  equal(device.wifi?.state, 'joining');
  world.wifi.ip.station = '10.1.2.3';
  world.wifi.notify!('gotIP');
  equal(device.wifi?.state, 'station');
  equal(device.dns, undefined, "no captive DNS on someone else's network");
  ok(world.traces.some((line) => line.includes('http://10.1.2.3/')));
  const saved = await http('PUT', '/api/settings', encodeUtf8('{"wifi.ssid": "lab"}'), [
    'Content-Type: application/json',
  ]);
  equal(saved.status, 200, saved.bodyText);
  equal(world.wifi.calls.length, 1, 'not yet: the answer leaves first');
  await world.clock.advance(1000);
  equal(world.wifi.calls[world.wifi.calls.length - 1], 'station lab');
  device.close();
});

test('device: the LED blinks slowly while the access point waits, quickly while joining, and stays lit once joined', async () => {
  const ap = bench();
  await ap.world.clock.advance(2000);
  // NodeMCU: the LED is lit when GPIO2 is low.
  const gaps = ap.led.slice(1).map(([ms], i) => ms - ap.led[i]![0]);
  ok(gaps.length >= 3 && gaps.every((gap) => gap === 500), `500 ms steps, got ${JSON.stringify(ap.led)}`);
  equal(ap.world.pinModes.get(2), 'Output');
  ap.device.close();
  equal(ap.led.at(-1)![1], 1, 'dark (GPIO2 high) once closed');

  const station = bench((w) => {
    w.preferences.set('airboot/wifi.ssid', 'workshop');
    w.preferences.set('airboot/wifi.password', 'solder123');
  });
  await station.world.clock.advance(1000);
  ok(station.led.length >= 7, `125 ms steps while joining: ${station.led.length} changes in a second`);
  station.world.wifi.ip.station = '10.1.2.3';
  station.world.wifi.notify!('gotIP');
  const changes = station.led.length;
  await station.world.clock.advance(2000);
  equal(station.led.length, changes, 'steady once joined');
  equal(station.led.at(-1)![1], 0, 'lit: GPIO2 low');
  station.device.close();
});

test('device (ESP32): its own firmware is updated over the air into the OTA slot, then it restarts; an ESP8266 has no route', async () => {
  const { world, device, http } = bench((w) => {
    w.config = { ...w.config, board: 'esp32' };
    w.ota = { slotBytes: 64 * 1024, bootImage: undefined };
  });
  const status = JSON.parse((await http('GET', '/api/status')).bodyText);
  deepEqual(status.runtime, { platform: 'device', wifi: true, firmwareUpdate: true });
  const image = new Uint8Array(40 * 1024).map((_, i) => (i * 31) & 0xff);
  image[0] = 0xe9;
  const answer = await http('POST', '/api/device/firmware', image, [
    'Content-Type: application/octet-stream',
  ]);
  equal(answer.status, 200, answer.bodyText);
  bytesEqual(world.ota!.bootImage!, image, 'the slot holds the image and boots it');
  equal(world.restarts, 0, 'the answer leaves first');
  await world.clock.advance(1000);
  equal(world.restarts, 1);
  const stm32Image = await http('POST', '/api/device/firmware', encodeUtf8(':00000001FF\n'));
  equal(stm32Image.status, 400);
  device.close();

  const esp8266 = bench();
  const none = JSON.parse((await esp8266.http('GET', '/api/status')).bodyText);
  deepEqual(none.runtime, { platform: 'device', wifi: true });
  equal((await esp8266.http('POST', '/api/device/firmware', image)).status, 404);
  esp8266.device.close();
});

test('device: a network that never answers falls back to the access point within the join timeout', async () => {
  const { world, device } = bench((w) => {
    w.preferences.set('airboot/wifi.ssid', 'gone');
  });
  await world.clock.advance(20000);
  equal(device.wifi?.state, 'access-point');
  match(world.wifi.calls.join('|'), /^station gone\|ap LESTO lestofante max=2 \+station$/);
  ok(device.dns, 'the captive DNS runs with the access point');
  device.close();
});

test('device: board profiles and pin settings — gpioN, none, inverted; an unknown board is named', async () => {
  const { world, device } = bench((w) => {
    w.config = { board: 'esp01', version: '1', log: 'off' };
    w.pins.set(0, w.pins.get(5)!);
    w.pins.set(2, w.pins.get(4)!);
  });
  equal(world.pinModes.get(0), 'OutputOpenDrain');
  equal(world.pinModes.get(2), 'Output');
  equal(world.traces.length, 0, "log 'off' traces nothing (ESP8266 UART0 is the target's)");
  device.close();
  const swapped = bench((w) => {
    w.preferences.set('airboot/pins.boot0', 'gpio12');
    w.preferences.set('airboot/pins.nrst', 'none');
    w.preferences.set('airboot/pins.boot0Invert', 'true');
    w.pins.set(12, w.pins.get(4)!);
  });
  equal(swapped.world.pinModes.get(12), 'Output');
  equal(swapped.world.pinModes.has(5), false, 'NRST not wired');
  equal(swapped.chip.boot0.level, 1, 'inverted: the GPIO is high while BOOT0 is to be low');
  swapped.device.close();
  throws(
    () =>
      bench((w) => {
        w.config = { board: 'esp99' };
      }),
    { code: 'BOARD_UNKNOWN', message: /esp99.*nodemcu, esp01, esp32/ },
  );
});

test('device: a setting whose UTF-8 bytes pass the 63-byte Preference limit is refused with a field error', async () => {
  const { world, device, http } = bench();
  // 32 characters (the schema's limit for ap.ssid) but 64 bytes in UTF-8.
  const answer = await http(
    'PUT',
    '/api/settings',
    encodeUtf8(JSON.stringify({ 'ap.ssid': 'é'.repeat(32) })),
    ['Content-Type: application/json'],
  );
  equal(answer.status, 400, answer.bodyText);
  equal(
    JSON.parse(answer.bodyText).errors[0].message,
    'takes 64 bytes as UTF-8; this device stores at most 63',
  );
  equal(world.preferences.has('airboot/ap.ssid'), false);
  device.close();
});

test('device: an admin password set over HTTP (salt from the device RNG) guards changes; a login token opens them', async () => {
  const { world, device, http } = bench();
  const json = ['Content-Type: application/json'];
  const set = await http('PUT', '/api/settings', encodeUtf8('{"admin.password": "correct horse"}'), json);
  equal(set.status, 200, set.bodyText);
  // Stored hashed, salted: never the password itself.
  ok(world.preferences.has('airboot/admin.hash'), 'the hash is stored');
  for (const value of world.preferences.values())
    ok(!String(value).includes('correct horse'), 'no password in clear');
  const refused = await http('PUT', '/api/settings', encodeUtf8('{"uart.baud": 57600}'), json);
  equal(refused.status, 401, refused.bodyText);
  equal(JSON.parse(refused.bodyText).error, 'AUTH_REQUIRED');
  const login = await http('POST', '/api/login', encodeUtf8('{"password": "correct horse"}'), json);
  equal(login.status, 200, login.bodyText);
  const token = JSON.parse(login.bodyText).token as string;
  match(token, /^[0-9a-f]{32}$/);
  const allowed = await http('PUT', '/api/settings', encodeUtf8('{"uart.baud": 57600}'), [
    ...json,
    `Authorization: Bearer ${token}`,
  ]);
  equal(allowed.status, 200, allowed.bodyText);
  device.close();
});
