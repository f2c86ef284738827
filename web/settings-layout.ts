/**
 * How the settings page groups and names the service's flat settings (src/service/settings.ts). A setting the
 * page does not know still shows, under "Other", with its own name: the service decides what exists, the page
 * only makes the known ones readable.
 */

export interface SectionSpec {
  readonly id: string;
  readonly title: string;
  readonly names: readonly string[];
}

export const SECTIONS: readonly SectionSpec[] = [
  { id: 'serial', title: 'Serial defaults', names: ['uart.baud', 'uart.format', 'bootloader.baud'] },
  {
    id: 'pins',
    title: 'Target pins (next start)',
    names: ['pins.boot0', 'pins.boot0Invert', 'pins.nrst', 'pins.nrstInvert'],
  },
  {
    id: 'clients',
    title: 'Clients and limits',
    names: ['bridge.policy', 'bridge.maxClients', 'bridge.notices', 'flash.keepResults'],
  },
  {
    id: 'ports',
    title: 'Ports (next start)',
    names: ['http.port', 'bridge.port', 'control.port', 'rfc2217.port'],
  },
  {
    id: 'security',
    title: 'Device and security',
    names: ['device.name', 'admin.password', 'bridge.login', 'rfc2217.login'],
  },
  { id: 'wifi', title: 'WiFi', names: ['wifi.ssid', 'wifi.password', 'ap.ssid', 'ap.password'] },
];

/** The section WiFi settings live in: shown only where the runtime has WiFi (status.runtime.wifi). */
export const WIFI_SECTION = 'wifi';

/** Label and a short hint per known setting. */
export const LABELS: Readonly<Record<string, readonly [label: string, hint?: string]>> = {
  'uart.baud': ['Application baud'],
  'uart.format': ['Application format', 'data bits, parity, stop bits'],
  'bootloader.baud': ['Bootloader baud', 'while flashing; 115200 is safe'],
  'pins.boot0': ['BOOT0 line'],
  'pins.boot0Invert': ['BOOT0 inverted', 'high while the line is asserted'],
  'pins.nrst': ['NRST line'],
  'pins.nrstInvert': ['NRST inverted', 'low while the line is de-asserted'],
  'bridge.policy': ['Who may write', 'shared: every client; exclusive: the first that writes'],
  'bridge.maxClients': ['Most raw clients'],
  'bridge.notices': ['Flash notices', 'tell serial clients when a flash starts and ends'],
  'flash.keepResults': ['Flash results kept'],
  'http.port': ['Web and API port'],
  'bridge.port': ['Raw serial port', '0 turns it off'],
  'control.port': ['Control port', '0 turns it off'],
  'rfc2217.port': ['RFC 2217 port', '0 turns it off'],
  'device.name': ['Device name', 'mDNS: name.local'],
  'admin.password': ['Admin password', 'needed to flash and change settings; empty: none'],
  'bridge.login': ['Raw bridge login', 'clients send the admin password as their first line'],
  'rfc2217.login': ['RFC 2217 login', 'clients send the admin password as their first line'],
  'wifi.ssid': ['Network (SSID)', 'empty: access point only'],
  'wifi.password': ['Network password'],
  'ap.ssid': ['Access point name'],
  'ap.password': ['Access point password', '8 to 63 characters'],
};

/** Settings with a fixed set of values, shown as a drop-down (the current value is added when not listed). */
export function choicesFor(name: string, platform: 'node' | 'device'): readonly string[] | undefined {
  if (name === 'bridge.policy') return ['shared', 'exclusive'];
  if (name === 'uart.format') return ['8N1', '8E1', '8O1', '8N2', '7E1', '7O1'];
  if (name === 'pins.boot0' || name === 'pins.nrst') {
    // A PC drives the lines through the serial adapter's modem lines; the device through its GPIOs.
    return platform === 'node'
      ? ['rts', 'dtr', 'none']
      : ['gpio4', 'gpio5', 'gpio12', 'gpio13', 'gpio14', 'none'];
  }
  return undefined;
}
