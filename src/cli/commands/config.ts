import { Command } from 'commander';
import { parseSettingText } from '../../service/settings.js';
import { UsageError } from '../failure.js';
import { ApiClient } from '../remote/api-client.js';
import type { FieldError, PublicSettingValue } from '../remote/api-types.js';
import { RemoteError } from '../remote/errors.js';
import type { RemoteHost } from '../remote/host.js';
import { addRequiredHostOption } from '../remote/host-option.js';

interface ConfigOptions {
  host: RemoteHost;
  json?: boolean;
}

type SettingsAnswer = { settings: Record<string, PublicSettingValue> };

/** `airboot config get|set --host H`: read and change the settings of a running service (GET/PUT /api/settings). */
export function configCommand(): Command {
  const config = new Command('config').description('show or change the settings of an airboot service');
  const get = addRequiredHostOption(
    new Command('get')
      .description('show all settings, or one (secrets show only whether they are set)')
      .argument('[name]', 'a setting, e.g. uart.baud')
      .option('--json', 'print the settings as one JSON object on stdout'),
  ).action((name: string | undefined, options: ConfigOptions) => configGet(name, options));
  const set = addRequiredHostOption(
    new Command('set')
      .description('change settings; each value is typed per its field (numbers, true/false, text)')
      .argument('<assignments...>', 'NAME=VALUE, e.g. uart.baud=57600 device.name=bench-1')
      .option('--json', 'print the settings after the change as one JSON object on stdout'),
  ).action((assignments: string[], options: ConfigOptions) => configSet(assignments, options));
  // main.ts makes only top-level commands report usage errors as exit 2; these are one level down.
  for (const sub of [get, set])
    config.addCommand(sub.exitOverride().showHelpAfterError('(add --help for usage)'));
  return config;
}

async function configGet(name: string | undefined, options: ConfigOptions): Promise<void> {
  const { settings } = await new ApiClient(options.host).get<SettingsAnswer>('/api/settings');
  if (name !== undefined && !(name in settings)) {
    throw new UsageError(
      `${options.host.baseUrl} has no setting '${name}'`,
      `known: ${Object.keys(settings).join(', ')}`,
    );
  }
  const shown = name === undefined ? settings : { [name]: settings[name]! };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(shown)}\n`);
    return;
  }
  const width = Math.max(...Object.keys(shown).map((key) => key.length));
  const lines = Object.entries(shown).map(([key, value]) => `${key.padEnd(width)} = ${showValue(value)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function configSet(assignments: readonly string[], options: ConfigOptions): Promise<void> {
  const update: Record<string, string | number | boolean> = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) {
      throw new UsageError(
        `'${assignment}' is not NAME=VALUE`,
        'e.g. airboot config set uart.baud=57600 --host …',
      );
    }
    const name = assignment.slice(0, equals);
    const text = assignment.slice(equals + 1);
    // Typed by the local schema; a name this CLI does not know goes as text and the service judges it.
    const value = parseSettingText(name, text) ?? text;
    if (typeof value === 'number' && Number.isNaN(value)) {
      throw new UsageError(`${name}: '${text}' is not a whole number`);
    }
    update[name] = value;
  }
  let answer: SettingsAnswer;
  try {
    answer = await new ApiClient(options.host).put<SettingsAnswer>('/api/settings', update);
  } catch (error) {
    const errors = fieldErrors(error);
    if (!errors) throw error;
    for (const field of errors) process.stderr.write(`airboot: ${field.field}: ${field.message}\n`);
    throw new RemoteError(
      'REMOTE_INVALID',
      `${options.host.baseUrl} refused the settings (${errors.length} error(s) above); nothing was changed`,
      options.host.baseUrl,
      400,
    );
  }
  const changed = Object.keys(update);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(answer.settings)}\n`);
    return;
  }
  const lines = changed.map((key) => `${key} = ${showValue(answer.settings[key] ?? update[key]!)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The `errors` list of a 400 INVALID_SETTINGS answer, or undefined for any other failure. */
function fieldErrors(error: unknown): FieldError[] | undefined {
  if (!(error instanceof RemoteError) || error.status !== 400) return undefined;
  const list = (error.body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.map((entry) => ({
    field: String((entry as FieldError).field ?? '?'),
    message: String((entry as FieldError).message ?? 'invalid'),
  }));
}

function showValue(value: PublicSettingValue): string {
  if (typeof value === 'object') return value.set ? '(secret, set)' : '(secret, not set)';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
