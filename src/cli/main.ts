/**
 * `airboot`: the command line. This file is only the table of commands and the error policy; each command lives in
 * commands/<name>.ts. Errors end as `airboot: <message>` (+ a hint) on stderr and an exit code from exit-codes.ts.
 */
import { Command, CommanderError } from 'commander';
import { bootCommand } from './commands/boot.js';
import { bridgeCommand } from './commands/bridge.js';
import { configCommand } from './commands/config.js';
import { demoCommand } from './commands/demo.js';
import { discoverCommand } from './commands/discover.js';
import { flashCommand } from './commands/flash.js';
import { infoCommand } from './commands/info.js';
import { monitorCommand } from './commands/monitor.js';
import { resetCommand } from './commands/reset.js';
import { runCommand } from './commands/run.js';
import { simCommand } from './commands/sim.js';
import { EXIT_CODES_HELP, ExitCode } from './exit-codes.js';
import { describeFailure, formatFailure } from './failure.js';
import { VERSION } from './version.js';

/** Every command, in the order `airboot --help` lists them. */
const COMMANDS: ReadonlyArray<() => Command> = [
  flashCommand,
  infoCommand,
  monitorCommand,
  resetCommand,
  bootCommand,
  runCommand,
  configCommand,
  discoverCommand,
  bridgeCommand,
  demoCommand,
  simCommand,
];

export function buildProgram(): Command {
  const program = new Command('airboot')
    .description('flash and talk to STM32 microcontrollers through their ROM USART bootloader (AN3155)')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  for (const make of COMMANDS) {
    const command = make();
    command.showHelpAfterError('(add --help for usage)');
    program.addCommand(command);
  }
  // Commander exits by itself on usage errors; report them as exit code 2 through our own path instead.
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Run the CLI with `argv` (as process.argv); resolves with the exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end in a "error" with exit code 0; Commander has already printed its message.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const failure = describeFailure(error);
    process.stderr.write(formatFailure(failure));
    if (failure.code === 'INTERNAL' && error instanceof Error && process.env.AIRBOOT_DEBUG) {
      process.stderr.write(`${error.stack}\n`);
    }
    return failure.exitCode;
  }
}

/** Entry point of bin/airboot.js: run, then exit once stdout and stderr are flushed. */
export async function run(): Promise<void> {
  const code = await main(process.argv);
  process.exitCode = code;
  // Lingering handles (a half-closed socket, a serial port's poller) must not keep a finished command alive.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
