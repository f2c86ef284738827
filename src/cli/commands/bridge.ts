import { Command, Option } from 'commander';
import { startNodeBridge } from '../../app/node.js';
import { parseFormat } from '../../io/contracts.js';
import { createStderrLog } from '../../platform/node/log.js';
import { nodeTimer } from '../../platform/node/timer.js';
import { openTargetLink } from '../connect.js';
import { UsageError } from '../failure.js';
import { identifyAtStart } from '../identify-at-start.js';
import { type LineChoice, parseBaud, parseLine } from '../options.js';
import {
  addServiceOptions,
  defaultConfigFile,
  portOverrides,
  printPorts,
  type ServiceOptions,
  settingsFor,
} from '../service-options.js';
import { waitForSignal } from '../signals.js';
import { VERSION } from '../version.js';

interface BridgeCommandOptions extends ServiceOptions {
  serial: string;
  baud?: number;
  format?: string;
  boot0?: LineChoice;
  reset?: LineChoice;
  invertBoot0?: boolean;
  invertReset?: boolean;
  identify?: boolean;
}

/** `airboot bridge`: put a real STM32's UART and firmware upload on the network from this machine. */
export function bridgeCommand(): Command {
  const command = new Command('bridge')
    .description(
      "serve an STM32's UART and firmware upload on the network (raw TCP, control port, RFC 2217, HTTP)",
    )
    .requiredOption(
      '-s, --serial <device>',
      'serial device wired to the STM32 (/dev/ttyUSB0, COM3) or tcp://host:port',
    )
    .option('-b, --baud <rate>', "the application's baud rate [default: from settings, 115200]", parseBaud)
    .option(
      '--format <format>',
      "the application's character format, e.g. 8N1, 8E1 [default: from settings, 8N1]",
    )
    .addOption(
      new Option(
        '--boot0 <line>',
        'modem line driving BOOT0: rts, dtr or none [default: setting pins.boot0, rts]',
      ).argParser(parseLine),
    )
    .addOption(
      new Option(
        '--reset <line>',
        'modem line driving NRST: dtr, rts or none [default: setting pins.nrst, dtr]',
      ).argParser(parseLine),
    )
    .option('--invert-boot0', 'BOOT0 is high while its line is asserted [default: setting pins.boot0Invert]')
    .option('--invert-reset', 'NRST is low while its line is de-asserted [default: setting pins.nrstInvert]')
    .option(
      '--identify',
      'at start, reset the chip into its bootloader to name it, then back into its application (restarts it)',
    );
  return addServiceOptions(command, '0.0.0.0').action((options: BridgeCommandOptions) => runBridge(options));
}

/** A `pins.*` setting as a PC's modem line; a device GPIO name there is a configuration mistake. */
function settingLine(value: string, name: string): LineChoice {
  if (value === 'rts' || value === 'dtr' || value === 'none') return value;
  throw new UsageError(
    `setting ${name} is '${value}': a PC's serial port has only rts and dtr`,
    `set it to rts, dtr or none (airboot config set ${name}=rts), or pass --boot0/--reset for this run`,
  );
}

async function runBridge(options: BridgeCommandOptions): Promise<void> {
  const log = createStderrLog({ level: options.verbose ? 'debug' : 'info', prefix: 'airboot bridge' });
  // UART flags hold for this run; `airboot config set` (or PUT /api/settings) makes a change stick.
  const overrides = new Map<string, string>();
  if (options.baud !== undefined) overrides.set('uart.baud', String(options.baud));
  if (options.format !== undefined) {
    if (!parseFormat(options.format))
      throw new UsageError(`'${options.format}' is not a UART format`, 'e.g. --format 8N1');
    overrides.set('uart.format', options.format.toUpperCase());
  }
  const settings = settingsFor(options, overrides, defaultConfigFile());
  const current = settings.settings;
  const link = await openTargetLink({
    serial: options.serial,
    settings: { baud: current['uart.baud'], ...parseFormat(current['uart.format'])! },
    boot0: options.boot0,
    reset: options.reset,
    // The pins.* settings, unless a flag says otherwise for this run.
    defaultLines: {
      boot0: options.boot0 ?? settingLine(current['pins.boot0'], 'pins.boot0'),
      reset: options.reset ?? settingLine(current['pins.nrst'], 'pins.nrst'),
    },
    invertBoot0: options.invertBoot0 ?? current['pins.boot0Invert'],
    invertReset: options.invertReset ?? current['pins.nrstInvert'],
    timer: nodeTimer,
    log,
  });
  try {
    const running = await startNodeBridge({
      uart: link.provider,
      boot0: link.digital.boot0,
      nrst: link.digital.nrst,
      wiring: `BOOT0=${link.lines.boot0.toUpperCase()} NRST=${link.lines.reset.toUpperCase()}`,
      settings,
      host: options.listen,
      log,
      version: VERSION,
      ports: portOverrides(options),
      mdns: options.mdns === false ? false : undefined,
    });
    // Before the ports are announced: a client that comes at once finds the target free, not busy identifying.
    if (options.identify) await identifyAtStart(running.bridge, log);
    printPorts(running, options, `airboot bridge: ${link.description}`);
    await waitForSignal();
    running.close();
  } finally {
    await link.close();
  }
}
