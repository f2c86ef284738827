/**
 * The firmware as Moddable's Linux simulator runs it (firmware/lin/main.ts): no GPIOs, no radio, uploads staged in
 * RAM, the target's UART on a device path from the manifest's config. The chip is tied into its bootloader.
 */
import linMain from '../../firmware/lin/main.js';
import { demoFirmware } from '../../src/sim/demo-firmware.js';
import { FLASH_BASE } from '../../src/stm32/chips.js';
import { bytesEqual, deepEqual, equal, ok } from '../portable/assert.js';
import { test } from '../portable/harness.js';
import { prepareBench } from './bench.js';

test('lin: every service starts without GPIOs or WiFi; the status says so; an upload flashes the chip', async () => {
  const { world, chip, http } = prepareBench((w) => {
    w.config = { uart: '/dev/ttyUSB7', uartPty: false, version: '9.9.9-lin' };
  }, 'bootloader');
  const device = linMain();
  await world.clock.advance(10);
  deepEqual(world.wifi.calls, [], 'no radio is touched');
  equal(device.wifi, undefined);
  deepEqual(
    world.network.ports.sort((a, b) => a - b),
    [80, 1234, 1235, 2217],
  );
  equal(world.pinModes.size, 0, 'no GPIO opened');
  ok(world.traces.some((line) => /BOOT0=none NRST=none/.test(line)));
  equal(world.uartOptions[0]?.device, '/dev/ttyUSB7');
  equal(world.uartOptions[0]?.parity, 'none', 'the application UART is 8N1 (not a pty: the format as set)');
  const status = JSON.parse((await http('GET', '/api/status')).bodyText);
  deepEqual(status.runtime, { platform: 'device', wifi: false });

  const image = demoFirmware('from the simulator');
  const data = image.read(FLASH_BASE, image.size);
  const answer = await http('POST', '/api/flash?name=app.bin', data, [
    'Content-Type: application/octet-stream',
  ]);
  equal(answer.status, 200, answer.bodyText);
  const job = JSON.parse(answer.bodyText);
  equal(job.state, 'succeeded', answer.bodyText);
  equal(job.result.verified, true);
  bytesEqual(chip.flash.read(FLASH_BASE, data.length), data);
  equal(world.partitions.get('storage')!.erases, 0, 'staged in RAM, not in the flash partition');
  device.close();
});

test('lin: on a pty the UART is opened 8N1 whatever the format, since a pty has no parity bit', async () => {
  const { world } = prepareBench((w) => {
    w.config = { uart: '/tmp/airboot-sim', version: '9.9.9-lin' };
  }, 'bootloader');
  const device = linMain();
  await world.clock.advance(10);
  equal(world.uartOptions[0]?.device, '/tmp/airboot-sim');
  equal(world.uartOptions[0]?.pty, undefined, 'the pty flag stays on the JS side');
  device.bridge.hub.configure({ baud: 57600, dataBits: 8, parity: 'even', stopBits: 1 });
  equal(world.uartConfigured.at(-1)?.parity, 'none');
  equal(world.uartConfigured.at(-1)?.baud, 57600);
  device.close();
});
