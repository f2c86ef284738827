/**
 * The HTTP API on a real socket (nodeListener on 127.0.0.1, port 0) with a simulated STM32F103C8 in-process behind
 * the UartHub, for the Node tests that use real clients (curl, node:net, node:http).
 */
import { UART_8N1 } from '../../src/io/contracts.js';
import { SerialLink } from '../../src/io/serial-link.js';
import { HttpServer } from '../../src/net/http/server.js';
import type { NodeListener } from '../../src/platform/node/tcp.js';
import { nodeListener } from '../../src/platform/node/tcp.js';
import { nodeTimer } from '../../src/platform/node/timer.js';
import { HubControlTarget } from '../../src/service/control-target.js';
import { FlashService } from '../../src/service/flash-service.js';
import { createApiRouter } from '../../src/service/http-api.js';
import { MemoryStorage, SettingsStore } from '../../src/service/settings.js';
import { TargetControl } from '../../src/service/target.js';
import { UartHub } from '../../src/service/uart-hub.js';
import { demoFirmware } from '../../src/sim/demo-firmware.js';
import { hostOutput, SimulatedStm32 } from '../../src/sim/stm32-sim.js';
import { FLASH_BASE } from '../../src/stm32/chips.js';

/** A demo application of `size` bytes, different per label. */
export function firmware(label: string, size = 4096): Uint8Array {
  const image = demoFirmware(label, size);
  return image.read(FLASH_BASE, image.size);
}

export async function startApiService() {
  const link = new SerialLink(nodeTimer, { timing: true });
  const chip = new SimulatedStm32({
    model: 'F103C8',
    timer: nodeTimer,
    serial: link.b,
    timing: true,
    start: 'pins',
    autobaud: () => link.settings('a')?.baud,
  });
  chip.flash.load(FLASH_BASE, firmware('node boot'));
  chip.powerOn();
  const hub = new UartHub({ provider: link.a, settings: UART_8N1, timer: nodeTimer });
  hub.open();
  const boot0 = hostOutput(chip.boot0);
  const nrst = hostOutput(chip.nrst);
  const target = new TargetControl({ boot0, nrst, timer: nodeTimer, resetPulseMs: 5, bootloaderStartMs: 20 });
  const flashes = new FlashService({ hub, target, timer: nodeTimer, afterJob: () => control.markRunning() });
  const control = new HubControlTarget({ hub, target, version: 'test', boot0, nrst });
  const settings = new SettingsStore(new MemoryStorage());
  const router = createApiRouter({
    hub,
    control,
    flashes,
    settings,
    name: () => 'node-bench',
    version: 'test',
    timer: nodeTimer,
  });
  const server = new HttpServer({
    listen: nodeListener,
    port: 0,
    host: '127.0.0.1',
    timer: nodeTimer,
    handler: router.handler,
  });
  await (server.listener as NodeListener).listening;
  return {
    chip,
    hub,
    flashes,
    server,
    base: `http://127.0.0.1:${server.port}`,
    /** What the chip's main flash holds, the first `length` bytes. */
    flashBytes: (length: number) => chip.flash.read(FLASH_BASE, length),
    close() {
      server.close();
      hub.close();
      chip.close();
    },
  };
}

/** Wait (real time) until `condition` holds; throws after `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
