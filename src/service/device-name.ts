/**
 * The device's name on the network. Several boards on one LAN all start with the `device.name` default "airboot",
 * so while the setting is at its default the device calls itself `airboot-XXXX` (`airboot-XXXX.local` over mDNS):
 * XXXX the last two bytes of its WiFi MAC address in hex, the digits printed on many boards' labels too. A name the
 * user chose is used as it is.
 */
import { SETTINGS_SCHEMA } from './settings.js';

/** "5c:cf:7f:12:ab:cd" (any of : - or no separator, either case) → "abcd"; undefined when it is not a MAC. */
export function macSuffix(mac: string): string | undefined {
  const digits = mac.replace(/[:-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(digits)) return undefined;
  return digits.slice(8);
}

/** The host name to announce: `device.name`, or `airboot-XXXX` from the MAC while it is the default. */
export function deviceHostName(settingName: string, mac: string | undefined): string {
  if (settingName !== SETTINGS_SCHEMA['device.name'].default) return settingName;
  const suffix = mac === undefined ? undefined : macSuffix(mac);
  return suffix === undefined ? settingName : `${settingName}-${suffix}`;
}
