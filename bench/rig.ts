/**
 * The bench's setup: the whole airboot service (src/app/node.ts) on 127.0.0.1 with, behind its UART, either a
 * simulated STM32 in real time (wire, start-up, programming and erase times) wired to BOOT0/NRST, or nothing but
 * the far end of the serial cable (link.b) for the bridge measurements to drive.
 */
import { createServer } from 'node:net';
import { type RunningBridge, startNodeBridge } from '../src/app/node.js';
import { SerialLink } from '../src/io/serial-link.js';
import { nodeTimer } from '../src/platform/node/timer.js';
import { MemoryStorage, SettingsStore } from '../src/service/settings.js';
import { demoFirmware } from '../src/sim/demo-firmware.js';
import { hostOutput, SimulatedStm32 } from '../src/sim/stm32-sim.js';
import { FLASH_BASE } from '../src/stm32/chips.js';

export interface RigOptions {
  /** Simulate this chip behind the UART (e.g. 'F103C8'); absent: the bench drives `link.b` itself. */
  model?: string;
  /** Settings applied before the service starts, e.g. `{ 'uart.baud': 2000000 }`. */
  settings?: Record<string, unknown>;
  /** Bytes the simulated cable hands over at once (default 64; SerialLinkOptions.chunkBytes). */
  chunkBytes?: number;
  /** Called each time bytes from the cable reach the service's UART, before the service sees them. */
  onUartInput?: () => void;
}

export interface Rig {
  readonly link: SerialLink;
  readonly chip: SimulatedStm32 | undefined;
  readonly running: RunningBridge;
  readonly ports: { http: number; bridge: number; control: number };
  /** http://127.0.0.1:<http port> */
  readonly base: string;
  close(): void;
}

/** Ports free right now on 127.0.0.1 (the service needs them before it binds). */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const servers = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.push((server.address() as { port: number }).port);
    servers.push(server);
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const link = new SerialLink(nodeTimer, { timing: true, chunkBytes: options.chunkBytes });
  const chip = options.model
    ? new SimulatedStm32({
        model: options.model,
        timer: nodeTimer,
        serial: link.b,
        timing: true,
        start: 'pins',
        autobaud: () => link.settings('a')?.baud,
      })
    : undefined;
  if (chip) {
    const firmware = demoFirmware('airboot bench factory firmware');
    chip.flash.load(FLASH_BASE, firmware.read(firmware.start, firmware.size));
  }
  const settings = new SettingsStore(new MemoryStorage());
  const errors = settings.update({ 'bridge.notices': false, ...options.settings });
  if (errors) throw new Error(`bench settings refused: ${JSON.stringify(errors)}`);
  const [http, bridge, control] = (await freePorts(3)) as [number, number, number];
  const running = await startNodeBridge({
    uart: options.onUartInput
      ? (open) => {
          const hook = options.onUartInput!;
          return link.a({
            ...open,
            onReadable: (count) => {
              hook();
              open.onReadable?.(count);
            },
          });
        }
      : link.a,
    boot0: chip ? hostOutput(chip.boot0) : undefined,
    nrst: chip ? hostOutput(chip.nrst) : undefined,
    settings,
    host: '127.0.0.1',
    version: 'bench',
    ports: { http, bridge, control, rfc2217: 0 },
    bootloaderStartMs: chip ? chip.chip.timing.bootloaderStartMs + 20 : undefined,
    mdns: false,
  });
  chip?.powerOn();
  return {
    link,
    chip,
    running,
    ports: { http, bridge, control },
    base: `http://127.0.0.1:${http}`,
    close() {
      running.close();
      chip?.close();
    },
  };
}
