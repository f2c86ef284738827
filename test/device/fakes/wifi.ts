/** Fake of Moddable's `wifi`: records what the firmware asks; the test plays the network through world.wifi.notify. */
import { world } from './world.js';

export default class FakeWiFi {
  static readonly gotIP = 'gotIP';
  static readonly lostIP = 'lostIP';
  static readonly connected = 'connect';
  static readonly disconnected = 'disconnect';
  static readonly Mode = { station: 1, accessPoint: 2 };
  private closed = false;

  constructor(options: { ssid: string; password?: string }, callback: (message: string) => void) {
    world.wifi.calls.push(`station ${options.ssid}`);
    world.wifi.notify = (message) => {
      if (!this.closed) callback(message);
    };
  }

  close(): void {
    this.closed = true;
  }

  static set mode(value: number) {
    world.wifi.calls.push(`mode ${value}`);
    if (value === FakeWiFi.Mode.station) world.wifi.ip.ap = undefined;
  }

  static connect(options?: { ssid: string }): void {
    world.wifi.calls.push(`connect ${options?.ssid ?? ''}`);
  }

  static disconnect(): void {
    world.wifi.calls.push('disconnect');
    world.wifi.ip.station = undefined;
  }

  static accessPoint(options: { ssid: string; password?: string; station?: boolean; max?: number }): void {
    world.wifi.calls.push(
      `ap ${options.ssid} ${options.password ?? ''} max=${options.max}${options.station ? ' +station' : ''}`,
    );
    world.wifi.ip.ap = '192.168.4.1';
  }
}
