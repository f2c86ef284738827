/**
 * Settings storage over Moddable's `preference` module: one key per setting in the "airboot" domain. On ESP8266 a
 * key is at most 32 characters and a value at most 63 bytes (Moddable documentation, files.md "Preference"); the
 * settings schema is flat for this reason, and a value that would not fit is refused here with its name rather
 * than cut short by the SDK.
 */
import Preference from 'preference';
import type { Storage } from '../../io/contracts.js';
import { encodeUtf8 } from '../../net/encoding/utf8.js';
import { DeviceError } from './errors.js';

export const PREFERENCE_DOMAIN = 'airboot';
export const MAX_KEY_CHARS = 32;
export const MAX_VALUE_BYTES = 63;

export class PreferenceStorage implements Storage {
  /** SettingsStore refuses longer values with a field error before writing any (see write() for the last guard). */
  readonly maxValueBytes = MAX_VALUE_BYTES;

  constructor(readonly domain = PREFERENCE_DOMAIN) {}

  read(key: string): string | undefined {
    const value = Preference.get(this.domain, key);
    if (value === undefined || value instanceof ArrayBuffer) return undefined;
    return String(value);
  }

  write(key: string, value: string): void {
    if (key.length > MAX_KEY_CHARS) {
      throw new DeviceError(
        'PREFERENCE_KEY_TOO_LONG',
        `setting name ${key} is over ${MAX_KEY_CHARS} characters`,
      );
    }
    const bytes = encodeUtf8(value).length;
    if (bytes > MAX_VALUE_BYTES) {
      throw new DeviceError(
        'PREFERENCE_VALUE_TOO_LONG',
        `${key}: ${bytes} bytes do not fit the device's ${MAX_VALUE_BYTES}-byte setting storage`,
      );
    }
    Preference.set(this.domain, key, value);
  }

  delete(key: string): void {
    Preference.delete(this.domain, key);
  }
}
