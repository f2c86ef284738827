/** Fake of Moddable's `preference`: a map keyed "domain/key", refusing what ESP8266 refuses (key > 32, value > 63). */
import { encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { world } from './world.js';

const Preference = {
  get(domain: string, key: string): string | number | boolean | undefined {
    return world.preferences.get(`${domain}/${key}`);
  },
  set(domain: string, key: string, value: string | number | boolean): void {
    if (key.length > 32) throw new Error(`preference key too long: ${key}`);
    if (typeof value === 'string' && encodeUtf8(value).length > 63) {
      throw new Error(`preference value too long for ${key}`);
    }
    world.preferences.set(`${domain}/${key}`, value);
  },
  delete(domain: string, key: string): void {
    world.preferences.delete(`${domain}/${key}`);
  },
  keys(domain: string): string[] {
    return [...world.preferences.keys()]
      .filter((k) => k.startsWith(`${domain}/`))
      .map((k) => k.slice(domain.length + 1));
  },
};
export default Preference;
