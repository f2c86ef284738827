/**
 * The service's settings: a flat table of named fields, each with a default, a check and a flag for secrets.
 * Flat because the device's key-value store (Moddable Preference on ESP8266) takes keys of ≤ 32 characters and
 * values of ≤ 63 bytes: one field is one key. Defaults come from the seed sketch where it had them (ports 1234 and
 * 1235, access point "LESTO" / "lestofante").
 */
import type { Storage } from '../io/contracts.js';
import { parseFormat } from '../io/contracts.js';

export type SettingValue = string | number | boolean;

interface FieldSpec {
  readonly default: SettingValue;
  /** An error message when the value is wrong, else undefined. Values arrive already of the field's type. */
  readonly check?: (value: never) => string | undefined;
  /** Never returned by the API; a PUT without it keeps the stored one. */
  readonly secret?: boolean;
  /** Shown by `airboot config get` and the web page. */
  readonly help: string;
}

const port = (value: number) =>
  Number.isInteger(value) && value >= 0 && value <= 65535
    ? undefined
    : 'must be a TCP port 1–65535, or 0 to disable';
const baud = (value: number) =>
  Number.isInteger(value) && value >= 300 && value <= 4_000_000
    ? undefined
    : 'must be a whole baud rate from 300 to 4000000';
const count = (max: number) => (value: number) =>
  Number.isInteger(value) && value >= 1 && value <= max
    ? undefined
    : `must be a whole number from 1 to ${max}`;
const oneOf =
  (...choices: string[]) =>
  (value: string) =>
    choices.includes(value) ? undefined : `must be one of ${choices.join(', ')}`;
const text = (max: number) => (value: string) =>
  value.length <= max ? undefined : `must be at most ${max} characters`;

/** Every setting, by its flat name. */
export const SETTINGS_SCHEMA = Object.freeze({
  'device.name': {
    default: 'airboot',
    check: (value: string) =>
      /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/i.test(value)
        ? undefined
        : 'must be a host name: letters, digits and -, up to 32',
    help: 'name on the network (mDNS name.local)',
  },
  'uart.baud': { default: 115200, check: baud, help: 'application UART speed' },
  'uart.format': {
    default: '8N1',
    check: (value: string) => (parseFormat(value) ? undefined : 'must be a format such as 8N1, 8E1, 7O2'),
    help: 'application UART data bits, parity, stop bits',
  },
  'bootloader.baud': {
    default: 115200,
    check: baud,
    help: 'UART speed while flashing (AN3155: up to 115200 is safe)',
  },
  'bridge.port': { default: 1234, check: port, help: 'raw serial bridge TCP port' },
  'bridge.policy': {
    default: 'shared',
    check: oneOf('shared', 'exclusive'),
    help: 'who may write to the UART: every client, or the first that writes',
  },
  'bridge.maxClients': { default: 4, check: count(16), help: 'most raw bridge clients at once' },
  'bridge.notices': { default: true, help: 'tell serial clients when a flash job starts and ends' },
  'control.port': { default: 1235, check: port, help: 'control port (line commands)' },
  'rfc2217.port': { default: 2217, check: port, help: 'RFC 2217 serial port' },
  'http.port': { default: 8080, check: port, help: 'web UI and HTTP API' },
  'wifi.ssid': {
    default: '',
    check: text(32),
    help: 'WiFi network to join (device only); empty: access point only',
  },
  'wifi.password': { default: '', check: text(63), secret: true, help: 'password of that network' },
  'ap.ssid': {
    default: 'LESTO',
    check: text(32),
    help: 'access point name when no network is joined (device only)',
  },
  'ap.password': {
    default: 'lestofante',
    check: (value: string) =>
      value.length >= 8 && value.length <= 63 ? undefined : 'must be 8 to 63 characters (WPA2)',
    secret: true,
    help: 'access point password',
  },
  'flash.keepResults': { default: 10, check: count(50), help: 'flash results kept for the API' },
} satisfies Record<string, FieldSpec>);

export type SettingName = keyof typeof SETTINGS_SCHEMA;
export type Settings = { -readonly [K in SettingName]: (typeof SETTINGS_SCHEMA)[K]['default'] };

export interface FieldError {
  field: string;
  message: string;
}

/** The defaults, as a fresh object. */
export function defaultSettings(): Settings {
  const out: Record<string, SettingValue> = {};
  for (const [name, spec] of fields()) out[name] = spec.default;
  return out as Settings;
}

/**
 * Check a partial update (from JSON or the CLI). Returns the merged settings, or every field error at once. Unknown
 * names, wrong types and bad values are all errors; a secret given as null or omitted keeps its value.
 */
export function applyUpdate(
  current: Settings,
  update: unknown,
): { settings: Settings; errors?: undefined } | { settings?: undefined; errors: FieldError[] } {
  if (typeof update !== 'object' || update === null || Array.isArray(update)) {
    return { errors: [{ field: '', message: 'settings must be a JSON object of "name": value pairs' }] };
  }
  const errors: FieldError[] = [];
  const next: Record<string, SettingValue> = { ...current };
  for (const [name, value] of Object.entries(update as Record<string, unknown>)) {
    const spec = (SETTINGS_SCHEMA as Record<string, FieldSpec>)[name];
    if (!spec) {
      errors.push({
        field: name,
        message: `unknown setting; known: ${Object.keys(SETTINGS_SCHEMA).join(', ')}`,
      });
      continue;
    }
    if (value === null && spec.secret) continue;
    if (typeof value !== typeof spec.default) {
      errors.push({
        field: name,
        message: `must be a ${typeof spec.default}, got ${value === null ? 'null' : typeof value}`,
      });
      continue;
    }
    const problem = spec.check?.(value as never);
    if (problem) errors.push({ field: name, message: problem });
    else next[name] = value as SettingValue;
  }
  return errors.length > 0 ? { errors } : { settings: next as Settings };
}

/** Settings as the API shows them: secrets replaced by whether they are set. */
export function publicSettings(settings: Settings): Record<string, SettingValue | { set: boolean }> {
  const out: Record<string, SettingValue | { set: boolean }> = {};
  for (const [name, spec] of fields()) {
    const value = (settings as Record<string, SettingValue>)[name]!;
    out[name] = spec.secret ? { set: value !== '' } : value;
  }
  return out;
}

/** Parse a value typed on a command line or control port into the field's type. */
export function parseSettingText(name: string, textValue: string): SettingValue | undefined {
  const spec = (SETTINGS_SCHEMA as Record<string, FieldSpec>)[name];
  if (!spec) return undefined;
  if (typeof spec.default === 'number') return /^-?\d+$/.test(textValue) ? Number(textValue) : Number.NaN;
  if (typeof spec.default === 'boolean') {
    if (/^(true|on|yes|1)$/i.test(textValue)) return true;
    if (/^(false|off|no|0)$/i.test(textValue)) return false;
    return textValue;
  }
  return textValue;
}

/** Settings kept in a Storage, one key per field; only fields that differ from the default are stored. */
export class SettingsStore {
  private current: Settings;

  constructor(private readonly storage: Storage) {
    this.current = defaultSettings();
    for (const [name, spec] of fields()) {
      const stored = storage.read(name);
      if (stored === undefined) continue;
      const value = decode(stored, spec.default);
      // A damaged or outdated stored value falls back to the default rather than stopping the service.
      if (value !== undefined && !spec.check?.(value as never)) {
        (this.current as Record<string, SettingValue>)[name] = value;
      }
    }
  }

  get settings(): Settings {
    return { ...this.current };
  }

  /** Validate and persist; returns the field errors, or undefined when saved. */
  update(update: unknown): FieldError[] | undefined {
    const result = applyUpdate(this.current, update);
    if (result.errors) return result.errors;
    for (const [name, spec] of fields()) {
      const before = (this.current as Record<string, SettingValue>)[name];
      const after = (result.settings as Record<string, SettingValue>)[name]!;
      if (before === after) continue;
      if (after === spec.default) this.storage.delete(name);
      else this.storage.write(name, String(after));
    }
    this.current = result.settings;
    return undefined;
  }
}

function fields(): Array<[string, FieldSpec]> {
  return Object.entries(SETTINGS_SCHEMA as Record<string, FieldSpec>);
}

function decode(stored: string, example: SettingValue): SettingValue | undefined {
  if (typeof example === 'number') return /^\d+$/.test(stored) ? Number(stored) : undefined;
  if (typeof example === 'boolean') return stored === 'true' ? true : stored === 'false' ? false : undefined;
  return stored;
}

/** A Storage in memory (tests, and a device without persistent storage). */
export class MemoryStorage implements Storage {
  readonly entries = new Map<string, string>();
  read(key: string): string | undefined {
    return this.entries.get(key);
  }
  write(key: string, value: string): void {
    this.entries.set(key, value);
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * Values given for one run (command-line flags) over a persistent Storage: reads see the run's values first; a
 * change written later (PUT /api/settings) goes to the persistent storage and replaces the run's value.
 */
export class OverlayStorage implements Storage {
  constructor(
    private readonly base: Storage,
    private readonly overrides: Map<string, string>,
  ) {}
  read(key: string): string | undefined {
    return this.overrides.get(key) ?? this.base.read(key);
  }
  write(key: string, value: string): void {
    this.overrides.delete(key);
    this.base.write(key, value);
  }
  delete(key: string): void {
    this.overrides.delete(key);
    this.base.delete(key);
  }
}
