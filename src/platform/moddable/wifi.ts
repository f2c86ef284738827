/**
 * The WifiRadio the WiFi policy (service/wifi-policy.ts) drives, over Moddable's `wifi` and `net` modules. The
 * radio's messages (WiFi.connected, gotIP, lostIP, disconnected) are handed to `onEvent`.
 */
// biome-ignore lint/style/useNodejsImportProtocol: Moddable's "net" module (documentation/network), not Node's.
import Net from 'net';
import WiFi from 'wifi';
import type { RadioEvent, WifiRadio } from '../../service/wifi-policy.js';

export class ModdableRadio implements WifiRadio {
  private station: WiFi | undefined;

  constructor(
    private readonly onEvent: (event: RadioEvent) => void,
    /** Most stations the access point takes at once (each costs RAM in the SDK). */
    private readonly maxApStations = 4,
  ) {}

  join(ssid: string, password: string): void {
    this.station?.close();
    this.station = new WiFi({ ssid, password }, (message) => {
      const event = radioEvent(message);
      if (event) this.onEvent(event);
    });
  }

  leave(): void {
    this.station?.close();
    this.station = undefined;
    WiFi.disconnect();
  }

  startAccessPoint(ssid: string, password: string, keepStation: boolean): void {
    // `station` keeps the station interface up beside the access point; the ESP8266 and ESP32 implementations read
    // it (modules/network/wifi/esp/modwifi.c, esp32/xs6wifi.c); Moddable's typings do not list it, hence the variable.
    const options = { ssid, password, max: this.maxApStations, station: keepStation };
    WiFi.accessPoint(options);
  }

  stopAccessPoint(): void {
    WiFi.mode = WiFi.Mode.station;
  }

  address(which: 'station' | 'ap'): string | undefined {
    const address = Net.get('IP', which);
    return address === undefined || address === '0.0.0.0' ? undefined : address;
  }
}

function radioEvent(message: string): RadioEvent | undefined {
  if (message === WiFi.gotIP) return 'gotIP';
  if (message === WiFi.lostIP) return 'lostIP';
  if (message === WiFi.connected) return 'connected';
  if (message === WiFi.disconnected) return 'disconnected';
  return undefined;
}

/** The station MAC address, for the mDNS name. */
export function deviceMac(): string | undefined {
  return Net.get('MAC');
}
