import { type Command, Option } from 'commander';
import type { Log } from '../io/contracts.js';
import { createStderrLog } from '../platform/node/log.js';
import type { LineChoice } from './options.js';
import { parseBaud, parseLine } from './options.js';

/** Options every command that talks to a target's bootloader takes. */
export interface TargetOptions {
  serial: string;
  baud: number;
  boot0?: LineChoice;
  reset?: LineChoice;
  invertBoot0?: boolean;
  invertReset?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/** Add --serial, --baud, the BOOT0/NRST line options, --json and --verbose. */
export function addTargetOptions(command: Command): Command {
  return command
    .requiredOption('-s, --serial <device>', 'serial device (/dev/ttyUSB0, COM3) or tcp://host:port')
    .option('-b, --baud <rate>', 'bootloader baud rate (8E1)', parseBaud, 115200)
    .addOption(
      new Option(
        '--boot0 <line>',
        'modem line driving BOOT0: rts, dtr or none [default: rts; none on tcp:// and ptys]',
      ).argParser(parseLine),
    )
    .addOption(
      new Option(
        '--reset <line>',
        'modem line driving NRST: dtr, rts or none [default: dtr; none on tcp:// and ptys]',
      ).argParser(parseLine),
    )
    .option('--invert-boot0', 'BOOT0 is high while its line is asserted (an inverting transistor)')
    .option('--invert-reset', 'NRST is low while its line is de-asserted (an inverting transistor)')
    .option('--json', 'print the result as one JSON object on stdout')
    .option('-v, --verbose', 'log the protocol steps on stderr');
}

export function logFor(options: { verbose?: boolean | undefined }, prefix = 'airboot'): Log {
  return createStderrLog({ level: options.verbose ? 'debug' : 'warn', prefix });
}
