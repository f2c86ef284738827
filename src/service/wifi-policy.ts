/**
 * Which WiFi the device runs, as a state machine over an injected radio (WifiRadio; Moddable's `wifi` module on
 * the device, a fake in tests):
 *
 * - no network saved (first boot) → its own access point, "LESTO" / "lestofante" by default, at 192.168.4.1;
 * - a network saved → join it; `joinTimeoutMs` without an address → fall back to the access point, so the device
 *   can always be reached and reconfigured; from there, try the network again every `retryMs` (the access point
 *   stays up meanwhile: both radios run on one channel);
 * - joined, then lost → wait `joinTimeoutMs` for the radio to rejoin by itself, then fall back the same way.
 *
 * The seed sketch had the same defaults and fallback; the timeouts are ours.
 */
import type { Log, Timer, TimerHandle } from '../io/contracts.js';
import { silentLog } from '../io/contracts.js';

/** What the policy asks of the radio. Events come back through WifiPolicy.radioEvent(). */
export interface WifiRadio {
  /** Start joining `ssid` as a station (keep the access point up if it runs). */
  join(ssid: string, password: string): void;
  /** Stop being a station. */
  leave(): void;
  /** Start the access point (`keepStation`: station mode stays on, to retry the network). */
  startAccessPoint(ssid: string, password: string, keepStation: boolean): void;
  stopAccessPoint(): void;
  /** The address of an interface now, dotted; undefined when it has none. */
  address(which: 'station' | 'ap'): string | undefined;
}

/** What the radio reports (Moddable's WiFi callback messages, by meaning). */
export type RadioEvent = 'connected' | 'gotIP' | 'lostIP' | 'disconnected';

export type WifiState =
  /** Joining the saved network (first attempt, or after losing it). */
  | 'joining'
  /** On the saved network with an address. */
  | 'station'
  /** Its own access point (no network saved, or the network could not be joined). */
  | 'access-point';

export interface WifiCredentials {
  /** Network to join; empty: access point only. */
  ssid: string;
  password: string;
  /** The access point's name and password. */
  apSsid: string;
  apPassword: string;
}

export interface WifiPolicyOptions {
  radio: WifiRadio;
  timer: Timer;
  log?: Log;
  /** Milliseconds to get an address from the network before falling back. Default 20000. */
  joinTimeoutMs?: number;
  /** Milliseconds between attempts to join again from the fallback access point; 0: never. Default 300000. */
  retryMs?: number;
  /** Called after every change of state, with the address clients reach the device at. */
  onChange?: (state: WifiState, address: string | undefined) => void;
}

/** The ESP8266's and ESP32's soft-AP address out of the box. */
export const DEFAULT_AP_ADDRESS = '192.168.4.1';

export class WifiPolicy {
  private current: WifiState | undefined;
  private credentials: WifiCredentials | undefined;
  private apRunning = false;
  private timeout: TimerHandle | undefined;
  private readonly log: Log;

  constructor(private readonly options: WifiPolicyOptions) {
    this.log = options.log ?? silentLog;
  }

  get state(): WifiState | undefined {
    return this.current;
  }

  /** Whether the access point runs now (the captive DNS runs with it). */
  get accessPointRunning(): boolean {
    return this.apRunning;
  }

  /** The address clients reach the device at now. */
  get address(): string | undefined {
    if (this.current === 'station') return this.options.radio.address('station');
    if (this.apRunning) return this.options.radio.address('ap') ?? DEFAULT_AP_ADDRESS;
    return undefined;
  }

  /** Start (or start over with new credentials, e.g. after the settings changed). */
  start(credentials: WifiCredentials): void {
    this.credentials = { ...credentials };
    this.cancelTimer();
    if (credentials.ssid === '') {
      this.log('info', 'wifi: no network saved');
      this.fallBack(false);
      return;
    }
    this.join();
  }

  /** Feed the radio's events in here. */
  radioEvent(event: RadioEvent): void {
    if (event === 'gotIP') {
      if (this.current === 'station') return;
      this.cancelTimer();
      if (this.apRunning) {
        this.options.radio.stopAccessPoint();
        this.apRunning = false;
      }
      this.set('station');
      this.log('info', `wifi: joined "${this.credentials?.ssid}" as ${this.address ?? 'unknown address'}`);
      return;
    }
    if ((event === 'disconnected' || event === 'lostIP') && this.current === 'station') {
      this.log('warn', `wifi: lost "${this.credentials?.ssid}"; waiting for it to come back`);
      this.set('joining');
      this.armTimeout();
    }
  }

  close(): void {
    this.cancelTimer();
  }

  private join(): void {
    const credentials = this.credentials!;
    this.log('info', `wifi: joining "${credentials.ssid}"`);
    this.options.radio.join(credentials.ssid, credentials.password);
    if (!this.apRunning) this.set('joining');
    this.armTimeout();
  }

  private armTimeout(): void {
    this.cancelTimer();
    this.timeout = this.options.timer.set(() => {
      this.timeout = undefined;
      this.log('warn', `wifi: no address from "${this.credentials?.ssid}" in time`);
      this.fallBack(true);
    }, this.options.joinTimeoutMs ?? 20000);
  }

  /** Run the access point; `retry`: keep station mode and try the network again later. */
  private fallBack(retry: boolean): void {
    const credentials = this.credentials!;
    const retryMs = this.options.retryMs ?? 300000;
    const keepStation = retry && retryMs > 0;
    if (!keepStation) this.options.radio.leave();
    if (!this.apRunning) {
      this.options.radio.startAccessPoint(credentials.apSsid, credentials.apPassword, keepStation);
      this.apRunning = true;
      this.log('info', `wifi: access point "${credentials.apSsid}" at ${this.address}`);
    }
    this.set('access-point');
    if (keepStation) {
      this.timeout = this.options.timer.set(() => {
        this.timeout = undefined;
        this.join();
      }, retryMs);
    }
  }

  private set(state: WifiState): void {
    if (this.current === state) return;
    this.current = state;
    this.options.onChange?.(state, this.address);
  }

  private cancelTimer(): void {
    if (this.timeout === undefined) return;
    this.options.timer.clear(this.timeout);
    this.timeout = undefined;
  }
}
