/** The firmware started on a simulated bench, for the device tests and the heap measurement (tools/device-heap.ts). */
import main from '../../firmware/main.js';
import { SerialLink } from '../../src/io/serial-link.js';
import { demoFirmware } from '../../src/sim/demo-firmware.js';
import { hostOutput, SimulatedStm32 } from '../../src/sim/stm32-sim.js';
import { FLASH_BASE } from '../../src/stm32/chips.js';
import { parseResponses } from '../portable/net/http-client-support.js';
import { RawClient } from '../portable/service/http-api-rig.js';
import { resetWorld, type World } from './fakes/world.js';

/** A fresh world with a blue pill wired as the NodeMCU profile says (UART0, BOOT0 on GPIO4, NRST on GPIO5), then the firmware started. */
export function bench(configure: (world: World) => void = () => {}) {
  const prepared = prepareBench(configure);
  return { ...prepared, device: main() };
}

/**
 * The world and the chip, the firmware not started yet. `start` 'bootloader' ties the chip's BOOT0 high and leaves
 * its pins unwired, as on the Linux simulator (firmware/lin), where no GPIO drives them.
 */
export function prepareBench(
  configure: (world: World) => void = () => {},
  start: 'pins' | 'bootloader' = 'pins',
) {
  const world = resetWorld();
  const link = new SerialLink(world.clock, { timing: true });
  const chip = new SimulatedStm32({
    model: 'F103C8',
    timer: world.clock,
    serial: link.b,
    timing: true,
    start,
    autobaud: () => link.settings('a')?.baud,
  });
  const firmware = demoFirmware('factory app');
  chip.flash.load(FLASH_BASE, firmware.read(FLASH_BASE, firmware.size));
  chip.powerOn();
  world.uart = link.a;
  /** The board's LED on GPIO2, as levels of the GPIO over time: [ms, level]. */
  const led: Array<[number, 0 | 1]> = [];
  if (start === 'pins') {
    world.pins.set(4, hostOutput(chip.boot0));
    world.pins.set(5, hostOutput(chip.nrst));
    let level: 0 | 1 = 1;
    world.pins.set(2, {
      read: () => level,
      write(value) {
        if (value !== level) led.push([world.clock.now(), value]);
        level = value;
      },
      close() {},
    });
  }
  world.resources.set('index.html.gz', Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3));
  configure(world);
  /** One HTTP request to the device's port 80, run on the virtual clock to its answer. */
  const http = async (method: string, path: string, body?: Uint8Array, headers: string[] = []) => {
    const client = new RawClient(world.network, 80);
    const fields = ['Host: airboot-abcd.local', 'Connection: close', ...headers];
    if (body) fields.push(`Content-Length: ${body.length}`);
    client.send(`${method} ${path} HTTP/1.1\r\n${fields.join('\r\n')}\r\n\r\n`);
    if (body) client.send(body);
    await world.clock.run(client.ended);
    return parseResponses(client.received)[0]!;
  };
  return { world, chip, http, led };
}
