import { type Command, Option } from 'commander';
import { UsageError } from '../failure.js';
import { HOST_OPTION_HELP, parseHost, type RemoteHost } from './host.js';

/** Environment variable with the service's admin password (safer than --password, which `ps` shows). */
export const PASSWORD_ENV = 'AIRBOOT_PASSWORD';

/** `--host` for commands that only talk to a running service: required. */
export function addRequiredHostOption(command: Command): Command {
  return addPasswordOption(
    command.addOption(
      new Option('-H, --host <host>', HOST_OPTION_HELP).argParser(parseHost).makeOptionMandatory(),
    ),
  );
}

/**
 * `--password` next to `--host`: the service's admin password, else AIRBOOT_PASSWORD. Before the action runs, it is
 * put into the RemoteHost, so every request to the service carries it (HTTP Basic).
 */
function addPasswordOption(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--password <password>',
        `admin password of the service, when it has one (or set ${PASSWORD_ENV}, which ps does not show)`,
      ),
    )
    .hook('preAction', (self) => {
      const options = self.opts<{ host?: RemoteHost; password?: string }>();
      const password = options.password ?? process.env[PASSWORD_ENV];
      if (options.host && password) self.setOptionValue('host', { ...options.host, password });
    });
}

/**
 * `--host` as an alternative to `--serial` (flash, info): the two exclude each other (a usage error, exit 2), and
 * `--serial`, mandatory otherwise, becomes optional; `requireSerialOrHost` then checks that one of them is given.
 */
export function addHostAlternative(command: Command): Command {
  command.options.find((option) => option.long === '--serial')?.makeOptionMandatory(false);
  return addPasswordOption(
    command.addOption(
      new Option('-H, --host <host>', `${HOST_OPTION_HELP}; instead of --serial`)
        .argParser(parseHost)
        .conflicts('serial'),
    ),
  );
}

/** The service to use, or undefined for the serial path; a UsageError when neither --serial nor --host is given. */
export function requireSerialOrHost(options: { serial?: string; host?: RemoteHost }): RemoteHost | undefined {
  if (options.host) return options.host;
  if (!options.serial) {
    throw new UsageError(
      'say where the target is: --serial DEVICE (a USB-UART, tcp://host:port) or --host HOST (an airboot service)',
      'airboot discover lists the services on the network',
    );
  }
  return undefined;
}
