/**
 * The airboot service on the device (ESP8266/ESP32 with the Moddable SDK): the portable Bridge with the ECMA-419
 * and Moddable adapters of platform/moddable, plus what only a device has — WiFi (access point or station, with
 * the fallback of service/wifi-policy.ts), the captive-portal DNS while it is an access point, mDNS as
 * airboot-XXXX.local, settings in Preference, uploads staged in a flash partition, the web page from resources.
 *
 * firmware/main.ts (ESP8266, ESP32) calls startDevice() with the board the manifest names and the hardware's
 * GPIOs, flash partition and radio; firmware/lin/main.ts (Moddable's Linux simulator) with none of those.
 */
import type { Digital, LogLevel } from '../io/contracts.js';
import { CaptiveDns } from '../net/dns/captive-dns.js';
import { ResourceAssetStore } from '../platform/moddable/assets.js';
import type { BoardProfile, TargetPin } from '../platform/moddable/boards.js';
import { describePin, pinFromSetting } from '../platform/moddable/boards.js';
import { describeHeap } from '../platform/moddable/heap.js';
import { deviceLog } from '../platform/moddable/log.js';
import { advertiseDevice, type DeviceAdvertisement } from '../platform/moddable/mdns.js';
import { deviceRandom } from '../platform/moddable/random.js';
import { deviceSerialProvider } from '../platform/moddable/serial.js';
import { PreferenceStorage } from '../platform/moddable/storage.js';
import { deviceListen } from '../platform/moddable/tcp.js';
import { deviceTimer } from '../platform/moddable/timer.js';
import { deviceUdp } from '../platform/moddable/udp.js';
import { deviceHostName } from '../service/device-name.js';
import type { FirmwareUpdater } from '../service/firmware-update.js';
import type { JobState } from '../service/flash-service.js';
import { SETTINGS_SCHEMA, type Settings, SettingsStore } from '../service/settings.js';
import { type FlashRegion, ImageStaging } from '../service/staging.js';
import { patternFor, StatusLight } from '../service/status-light.js';
import {
  type RadioEvent,
  type WifiCredentials,
  WifiPolicy,
  type WifiRadio,
  type WifiState,
} from '../service/wifi-policy.js';
import { Bridge } from './bridge.js';

/** The HTTP port on the device: 80 while `http.port` is at its (host) default of 8080. */
export const DEVICE_HTTP_PORT = 80;
/** Milliseconds between saving new WiFi settings and applying them: the HTTP answer leaves first. */
const WIFI_RESTART_DELAY_MS = 1000;

export interface DeviceConfig {
  board: BoardProfile;
  version: string;
  /** Log lines from this level up go to `trace`; 'off' on an ESP8266 whose UART0 is the target's link. */
  logLevel: LogLevel | 'off';
  hardware: DeviceHardware;
}

/** What the chip under the firmware has, beside what every Moddable platform has (sockets, timers, Preference). */
export interface DeviceHardware {
  /** Opens BOOT0 / NRST on a GPIO (`embedded:io/digital`); absent where there are no GPIOs (Linux simulator). */
  openPin?: (spec: TargetPin, initial: 0 | 1) => Digital;
  /** Where uploads are staged before the target is touched: a flash partition on the ESPs. */
  staging: FlashRegion;
  /** Over-the-air update of this firmware (ESP32); absent where the SDK has none (ESP8266, the simulator). */
  firmwareUpdater?: FirmwareUpdater;
  /** The WiFi radio and the MAC the mDNS name is made from; absent where the host's network is already up. */
  wifi?: {
    radio(onEvent: (event: RadioEvent) => void, maxApStations: number): WifiRadio;
    mac(): string | undefined;
  };
}

export interface RunningDevice {
  readonly bridge: Bridge;
  /** Undefined without a radio (Linux simulator). */
  readonly wifi: WifiPolicy | undefined;
  /** The captive-portal DNS while the access point runs. */
  readonly dns: CaptiveDns | undefined;
  /** The mDNS host name (without .local). */
  readonly hostName: string;
  close(): void;
}

export function startDevice(config: DeviceConfig): RunningDevice {
  const { board, hardware } = config;
  const log = deviceLog(config.logLevel);
  const timer = deviceTimer;
  const settings = new SettingsStore(new PreferenceStorage(), { random: deviceRandom, timer });
  const initial = settings.settings;
  const boot0Pin = pinFromSetting(initial['pins.boot0'], initial['pins.boot0Invert'], board.boot0);
  const nrstPin = pinFromSetting(initial['pins.nrst'], initial['pins.nrstInvert'], board.nrst);
  // Safe levels from the first instant: BOOT0 low (the application), NRST released.
  const boot0 = boot0Pin && hardware.openPin?.(boot0Pin, 0);
  const nrst = nrstPin && hardware.openPin?.(nrstPin, 1);
  const httpPort =
    initial['http.port'] === SETTINGS_SCHEMA['http.port'].default ? DEVICE_HTTP_PORT : initial['http.port'];
  const staging = new ImageStaging(hardware.staging, {
    writeBufferBytes: board.stagingWriteBufferBytes,
  });
  const wiring = `${describePin('BOOT0', boot0 && boot0Pin)} ${describePin('NRST', nrst && nrstPin)}`;
  let wifiRestart: unknown;
  const bridge = new Bridge({
    uart: deviceSerialProvider(board.uart),
    boot0,
    nrst,
    wiring,
    settings,
    listen: deviceListen({ maxConnections: board.maxConnections, log }),
    timer,
    log,
    version: config.version,
    ports: { http: httpPort },
    assets: new ResourceAssetStore(),
    maxImageBytes: board.maxDecodedImageBytes,
    staging,
    runtime: {
      platform: 'device',
      wifi: hardware.wifi !== undefined,
      ...(hardware.firmwareUpdater ? { firmwareUpdate: true as const } : {}),
    },
    firmwareUpdater: hardware.firmwareUpdater,
    budget: board.budget,
    random: deviceRandom,
    onSettingsChanged: (now) => {
      if (!wifi || sameWifi(credentials(now), wifi.credentialsInUse)) return;
      timer.clear(wifiRestart);
      wifiRestart = timer.set(() => wifi.start(credentials(settings.settings)), WIFI_RESTART_DELAY_MS);
    },
  });
  bridge.start();
  log('info', `${board.description}: ${wiring}, target UART${board.uart.port}`);
  if (board.resetTargetAtStart) void bridge.target.runApplication();

  const ledPin = board.led && hardware.openPin?.(board.led, 0);
  const light = ledPin && new StatusLight(ledPin, timer);
  let wifiState: WifiState | undefined;
  let lastJob: JobState | undefined;
  const showStatus = () => light?.show(patternFor(wifiState, lastJob));

  const radio = hardware.wifi;
  const hostName = deviceHostName(initial['device.name'], radio?.mac());
  let dns: CaptiveDns | undefined;
  let mdns: DeviceAdvertisement | undefined;
  const wifi =
    radio &&
    new DeviceWifi(
      new WifiPolicy({
        radio: radio.radio((event) => wifi?.policy.radioEvent(event), board.maxApStations),
        timer,
        log,
        onChange: (state, address) => {
          wifiState = state;
          showStatus();
          const policy = wifi?.policy;
          if (policy?.accessPointRunning && !dns && address) {
            dns = new CaptiveDns({ udp: deviceUdp, address, log });
          } else if (!policy?.accessPointRunning && dns) {
            dns.close();
            dns = undefined;
          }
          if (address && !mdns) {
            mdns = advertiseDevice({ hostName, port: httpPort, txt: { version: config.version }, log });
          }
          log('info', `reach me at http://${address ?? '?'}/ or http://${hostName}.local/`);
        },
      }),
    );
  let chip: string | undefined;
  bridge.flashes.subscribe((record) => {
    // A flash job is the firmware's largest use of memory: the log shows what it left (docs/device.md).
    if (record.state !== 'running') log('info', describeHeap());
    lastJob = record.state;
    showStatus();
    const found = record.result?.chip.name;
    if (record.state !== 'succeeded' || !found || found === chip) return;
    chip = found;
    mdns?.updateTxt({ version: config.version, chip });
  });
  showStatus();
  if (wifi) wifi.start(credentials(initial));
  else log('info', `no radio: reach me on this host's network, HTTP port ${httpPort}`);
  log('info', describeHeap());

  return {
    bridge,
    wifi: wifi?.policy,
    get dns() {
      return dns;
    },
    hostName,
    close() {
      timer.clear(wifiRestart);
      wifi?.policy.close();
      dns?.close();
      mdns?.close();
      bridge.close();
      boot0?.close();
      nrst?.close();
      light?.close();
      ledPin?.close();
    },
  };
}

/** The policy and the credentials it was last started with. */
class DeviceWifi {
  credentialsInUse: WifiCredentials | undefined;
  constructor(readonly policy: WifiPolicy) {}
  start(credentials: WifiCredentials): void {
    this.credentialsInUse = credentials;
    this.policy.start(credentials);
  }
}

function credentials(settings: Settings): WifiCredentials {
  return {
    ssid: settings['wifi.ssid'],
    password: settings['wifi.password'],
    apSsid: settings['ap.ssid'],
    apPassword: settings['ap.password'],
  };
}

function sameWifi(a: WifiCredentials, b: WifiCredentials | undefined): boolean {
  return (
    b !== undefined &&
    a.ssid === b.ssid &&
    a.password === b.password &&
    a.apSsid === b.apSsid &&
    a.apPassword === b.apPassword
  );
}
