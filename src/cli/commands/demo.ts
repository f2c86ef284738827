import { Command } from 'commander';
import { startNodeBridge } from '../../app/node.js';
import { UART_8N1 } from '../../io/contracts.js';
import { SerialLink } from '../../io/serial-link.js';
import { createStderrLog } from '../../platform/node/log.js';
import { nodeTimer } from '../../platform/node/timer.js';
import { demoFirmware } from '../../sim/demo-firmware.js';
import { hostOutput, SimulatedStm32 } from '../../sim/stm32-sim.js';
import { MODELS } from '../../stm32/chips.js';
import { identifyAtStart } from '../identify-at-start.js';
import {
  addServiceOptions,
  portOverrides,
  printPorts,
  type ServiceOptions,
  settingsFor,
} from '../service-options.js';
import { waitForSignal } from '../signals.js';
import { VERSION } from '../version.js';

interface DemoOptions extends ServiceOptions {
  chip: string;
}

/**
 * `airboot demo`: the bridge service with an in-process simulated STM32 wired to it as a real one would be (UART,
 * BOOT0, NRST), running its demo application — everything airboot offers, with no hardware.
 */
export function demoCommand(): Command {
  const command = new Command('demo')
    .description(
      'run the airboot service with a simulated STM32 (UART, BOOT0 and NRST wired), all ports on localhost',
    )
    .option('--chip <model>', `part to simulate (${MODELS.map((m) => m.name).join(', ')})`, 'F103C8');
  return addServiceOptions(command, '127.0.0.1').action((options: DemoOptions) => runDemo(options));
}

async function runDemo(options: DemoOptions): Promise<void> {
  const log = createStderrLog({ level: options.verbose ? 'debug' : 'info', prefix: 'airboot demo' });
  const timer = nodeTimer;
  const settings = settingsFor(options);
  const link = new SerialLink(timer, { timing: true });
  const chip = new SimulatedStm32({
    model: options.chip,
    timer,
    serial: link.b,
    timing: true,
    start: 'pins',
    autobaud: () => link.settings('a')?.baud,
    appSettings: { ...UART_8N1, baud: settings.settings['uart.baud'] },
    log: options.verbose ? log : undefined,
  });
  // As if it left the factory with a firmware: the demo application runs from the start.
  const firmware = demoFirmware(`airboot demo firmware v1 for ${chip.model.name}`);
  chip.flash.load(firmware.start, firmware.read(firmware.start, firmware.size));
  const running = await startNodeBridge({
    uart: link.a,
    boot0: hostOutput(chip.boot0),
    nrst: hostOutput(chip.nrst),
    wiring: 'simulated: BOOT0 and NRST wired to the chip',
    settings,
    host: options.listen,
    log,
    version: VERSION,
    ports: portOverrides(options),
    bootloaderStartMs: chip.chip.timing.bootloaderStartMs + 20,
  });
  chip.powerOn();
  // Before the ports are announced: a client that comes at once finds the target free, not busy identifying.
  await identifyAtStart(running.bridge, log);
  printPorts(
    running,
    options,
    `airboot demo: simulated STM32${chip.model.name} (${chip.model.flashBytes / 1024} KiB flash) running its demo application`,
  );
  await waitForSignal();
  running.close();
  chip.close();
}
