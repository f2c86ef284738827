/**
 * The service's settings: a flat table of named fields, each with a default, a check and a flag for secrets.
 * Flat because the device's key-value store (Moddable Preference on ESP8266) takes keys of ≤ 32 characters and
 * values of ≤ 63 bytes: one field is one key. Defaults come from the seed sketch where it had them (ports 1234 and
 * 1235, access point "LESTO" / "lestofante").
 */
import type { Storage } from '../io/contracts.js';
import { parseFormat } from '../io/contracts.js';
import { encodeUtf8 } from '../net/encoding/utf8.js';
import { PasswordStore, type PasswordStoreOptions, passwordProblem } from './password-store.js';

export type SettingValue = string | number | boolean;

interface FieldSpec {
  readonly default: SettingValue;
  /** An error message when the value is wrong, else undefined. Values arrive already of the field's type. */
  readonly check?: (value: never) => string | undefined;
  /** Never returned by the API; a PUT without it keeps the stored one. */
  readonly secret?: boolean;
  /**
   * Write-only and never stored in clear: the value goes to the PasswordStore (salted PBKDF2 under its own keys),
   * and the settings hold only whether one is set (PASSWORD_IS_SET or '').
   */
  readonly hashed?: boolean;
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
/** A modem line of a PC's serial port, or a GPIO of the device (ESP8266 GPIO0–16). */
const pinLine = (value: string) =>
  /^(rts|dtr|none|gpio([0-9]|1[0-6]))$/.test(value)
    ? undefined
    : 'must be rts, dtr or none (a PC), or gpio0 to gpio16 (the device)';
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
  // How BOOT0 and NRST are wired (the stm32loader convention by default: RTS → BOOT0, DTR → NRST). Read when the
  // service starts; a command-line flag (--boot0, --reset, --invert-*) overrides them for one run.
  'pins.boot0': {
    default: 'rts',
    check: pinLine,
    help: 'line driving BOOT0: rts, dtr or none on a PC, gpioN on the device (next start)',
  },
  'pins.nrst': {
    default: 'dtr',
    check: pinLine,
    help: 'line driving NRST: dtr, rts or none on a PC, gpioN on the device (next start)',
  },
  'pins.boot0Invert': { default: false, help: 'BOOT0 is high while its line is asserted (next start)' },
  'pins.nrstInvert': { default: false, help: 'NRST is low while its line is de-asserted (next start)' },
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
  'rfc2217.login': {
    default: false,
    help: 'RFC 2217 clients send the admin password as a first line before the Telnet session',
  },
  'bridge.login': {
    default: false,
    help: 'raw bridge clients send the admin password as a first line (off: the bridge is open, as the seed)',
  },
  'admin.password': {
    default: '',
    check: (value: string) => passwordProblem(value),
    secret: true,
    hashed: true,
    help: 'password for every state-changing action (HTTP, control port); empty: none',
  },
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

/** What the settings hold for a hashed field that is set (the password itself is never kept). */
export const PASSWORD_IS_SET = '(set)';

/**
 * Settings kept in a Storage, one key per field; only fields that differ from the default are stored. The admin
 * password goes to `password` (a PasswordStore on the same Storage), never to its own key.
 */
export class SettingsStore {
  private current: Settings;
  readonly password: PasswordStore;

  constructor(
    private readonly storage: Storage,
    passwordOptions: PasswordStoreOptions = {},
  ) {
    this.current = defaultSettings();
    this.password = new PasswordStore(storage, passwordOptions);
    for (const [name, spec] of fields()) {
      if (spec.hashed) {
        (this.current as Record<string, SettingValue>)[name] = this.password.isSet ? PASSWORD_IS_SET : '';
        continue;
      }
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
    const given = update as Record<string, unknown>;
    for (const [name, spec] of fields()) {
      if (spec.hashed && typeof given[name] === 'string' && given[name] !== '' && !this.password.canSet) {
        return [
          { field: name, message: 'cannot be set here: this runtime gave no random source for the salt' },
        ];
      }
    }
    const tooLong = this.valuesTooLong(result.settings);
    if (tooLong.length > 0) return tooLong;
    for (const [name, spec] of fields()) {
      if (spec.hashed) {
        // Any string given is a new password, even one equal to PASSWORD_IS_SET; null or absent keeps it.
        const value = given[name];
        if (typeof value === 'string') this.password.set(value);
        (result.settings as Record<string, SettingValue>)[name] = this.password.isSet ? PASSWORD_IS_SET : '';
        continue;
      }
      const before = (this.current as Record<string, SettingValue>)[name];
      const after = (result.settings as Record<string, SettingValue>)[name]!;
      if (before === after) continue;
      if (after === spec.default) this.storage.delete(name);
      else this.storage.write(name, String(after));
    }
    this.current = result.settings;
    return undefined;
  }

  /** Changed fields whose value the storage cannot hold (Storage.maxValueBytes): refused before anything is written. */
  private valuesTooLong(next: Settings): FieldError[] {
    const limit = this.storage.maxValueBytes;
    if (limit === undefined) return [];
    const errors: FieldError[] = [];
    for (const [name, spec] of fields()) {
      const value = (next as Record<string, SettingValue>)[name]!;
      if (
        spec.hashed ||
        value === spec.default ||
        value === (this.current as Record<string, SettingValue>)[name]
      ) {
        continue;
      }
      const bytes = encodeUtf8(String(value)).length;
      if (bytes > limit) {
        errors.push({
          field: name,
          message: `takes ${bytes} bytes as UTF-8; this device stores at most ${limit}`,
        });
      }
    }
    return errors;
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
