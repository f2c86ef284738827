/**
 * The airboot service for one target, wired from portable parts: the UART hub, BOOT0/NRST control, flash jobs,
 * settings, and the network services on their ports (raw bridge 1234, control port 1235, RFC 2217 2217, HTTP).
 * Both runtimes use this: app/node.ts gives it Node's sockets, serial port and files; the device build will give it
 * the ECMA-419 classes.
 */

import type { Digital, ListenerProvider, Log, SerialProvider, Timer, UartSettings } from '../io/contracts.js';
import { formatName, parseFormat, silentLog } from '../io/contracts.js';
import type { HttpRequestLimits } from '../net/http/request-parser.js';
import { HttpServer } from '../net/http/server.js';
import type { RuntimeJson } from '../service/api-json.js';
import { AuthGuard } from '../service/auth-guard.js';
import { ControlPortService } from '../service/control-port.js';
import { HubControlTarget } from '../service/control-target.js';
import type { FirmwareUpdater } from '../service/firmware-update.js';
import { FlashService } from '../service/flash-service.js';
import { type ApiContext, createApiRouter } from '../service/http-api.js';
import type { RandomFill } from '../service/password-store.js';
import { RawBridgeService } from '../service/raw-bridge.js';
import { Rfc2217Service } from '../service/rfc2217-service.js';
import type { Settings, SettingsStore } from '../service/settings.js';
import type { ImageStaging } from '../service/staging.js';
import { type AssetStore, withStaticAssets } from '../service/static-assets.js';
import { TargetControl } from '../service/target.js';
import { UartHub } from '../service/uart-hub.js';
import { DEFAULT_UPLOAD_BYTES } from '../service/upload.js';

export interface BridgeOptions {
  /** Opens the target's UART. */
  uart: SerialProvider;
  /** BOOT0 and NRST lines; absent when not wired (jumpers, a pty). */
  boot0?: Digital;
  nrst?: Digital;
  /** How the lines are wired, for `pins` and the status page, e.g. "BOOT0=RTS NRST=DTR". */
  wiring?: string;
  settings: SettingsStore;
  listen: ListenerProvider;
  /** Interface to listen on. */
  host?: string;
  timer: Timer;
  log?: Log;
  version: string;
  /** Port overrides (command-line flags); otherwise the settings' ports. 0 disables a service. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Milliseconds the bootloader needs after reset before it takes the sync byte. */
  bootloaderStartMs?: number;
  /** The web page's files; without them the HTTP port serves only the API. */
  assets?: AssetStore;
  /** Largest firmware upload, bytes (413 beyond). Default: the API's (4 MiB on a host). */
  maxImageBytes?: number;
  /**
   * Where uploads stream to instead of RAM (the device's flash partition). Then an upload may fill the staging
   * area, and `maxImageBytes` bounds what a HEX or S-record file decodes to in RAM.
   */
  staging?: ImageStaging;
  /** Where the service runs, for the status API. Default: a PC without WiFi settings. */
  runtime?: RuntimeJson;
  /** Over-the-air update of airboot's own firmware (the ESP32 build); none on a PC or an ESP8266. */
  firmwareUpdater?: FirmwareUpdater;
  /** Memory limits for a small heap (the device: docs/device.md); each one left out keeps the host's default. */
  budget?: BridgeBudget;
  /** Called after PUT /api/settings saved a change and the Bridge applied its part (the device restarts WiFi). */
  onSettingsChanged?: (settings: Settings) => void;
  /**
   * A strong random source for login tokens (Node: platform/node/random.ts; the device: its hardware RNG). Without
   * it passwords are still checked (Basic, control port) but POST /api/login fails.
   */
  random?: RandomFill;
}

/** What bounds the service's memory, per connection and in total. */
export interface BridgeBudget {
  /** Most raw bridge clients, whatever `bridge.maxClients` says. */
  maxBridgeClients?: number;
  /** Output held for one slow raw or RFC 2217 client, bytes (host: 16 KiB). */
  clientQueueBytes?: number;
  /** Most HTTP connections at once. */
  maxHttpConnections?: number;
  /** HTTP output waiting per connection, and input read at a time, bytes (host: 8192 and 2048). */
  httpOutputBytes?: number;
  httpReadChunkBytes?: number;
  /** HTTP request line and header limits. */
  http?: Partial<Omit<HttpRequestLimits, 'maxBodyBytes'>>;
  /** WebSocket terminal queue and frame sizes. */
  terminal?: ApiContext['terminal'];
}

export type ServiceName = 'bridge' | 'control' | 'rfc2217' | 'http';

/** A network service that runs on a port. */
export interface PortService {
  readonly port: number;
  close(): void;
}

export class Bridge {
  readonly hub: UartHub;
  readonly target: TargetControl;
  readonly control: HubControlTarget;
  readonly flashes: FlashService;
  readonly services = new Map<ServiceName, PortService>();
  readonly appSettings: UartSettings;
  /** The admin password check every door shares (HTTP, control port, RFC 2217, raw bridge), with its back-off. */
  readonly auth: AuthGuard;
  private readonly log: Log;

  constructor(readonly options: BridgeOptions) {
    this.log = options.log ?? silentLog;
    this.auth = new AuthGuard({
      password: options.settings.password,
      timer: options.timer,
      random:
        options.random ??
        (() => {
          throw new Error('this runtime gave no random source: log in with Basic credentials instead');
        }),
    });
    const settings = options.settings.settings;
    const format = parseFormat(settings['uart.format'])!;
    this.appSettings = { baud: settings['uart.baud'], ...format };
    this.hub = new UartHub({
      provider: options.uart,
      settings: this.appSettings,
      timer: options.timer,
      log: this.log,
      policy: settings['bridge.policy'] as 'shared' | 'exclusive',
      // Raw, RFC 2217 and WebSocket clients together.
      maxClients: Math.min(settings['bridge.maxClients'], options.budget?.maxBridgeClients ?? 16) + 4,
      notices: settings['bridge.notices'],
    });
    this.target = new TargetControl({
      boot0: options.boot0,
      nrst: options.nrst,
      timer: options.timer,
      bootloaderStartMs: options.bootloaderStartMs,
    });
    this.flashes = new FlashService({
      hub: this.hub,
      target: this.target,
      timer: options.timer,
      bootloaderBaud: settings['bootloader.baud'],
      keep: settings['flash.keepResults'],
      log: this.log,
      afterJob: () => this.control.markRunning(),
    });
    this.control = new HubControlTarget({
      hub: this.hub,
      target: this.target,
      version: options.version,
      appSettings: this.appSettings,
      bootloaderBaud: settings['bootloader.baud'],
      boot0: options.boot0,
      nrst: options.nrst,
      wiring: options.wiring,
      lastFlash: () => describeLastFlash(this.flashes),
    });
  }

  /** Open the UART and start every service whose port is not 0. */
  start(): void {
    const { options } = this;
    const settings = options.settings.settings;
    const port = (name: ServiceName, fallback: number) => options.ports?.[name] ?? fallback;
    this.hub.open();
    const common = { listen: options.listen, host: options.host, log: this.log };
    const bridgePort = port('bridge', settings['bridge.port']);
    if (bridgePort !== 0) {
      this.services.set(
        'bridge',
        new RawBridgeService({
          ...common,
          hub: this.hub,
          timer: options.timer,
          port: bridgePort,
          queueBytes: options.budget?.clientQueueBytes,
          login: settings['bridge.login'] ? this.auth : undefined,
        }),
      );
    }
    const controlPort = port('control', settings['control.port']);
    if (controlPort !== 0) {
      this.services.set(
        'control',
        new ControlPortService({ ...common, target: this.control, port: controlPort, auth: this.auth }),
      );
    }
    const httpPort = port('http', settings['http.port']);
    if (httpPort !== 0) {
      const api = createApiRouter({
        hub: this.hub,
        control: this.control,
        flashes: this.flashes,
        settings: options.settings,
        name: () => options.settings.settings['device.name'],
        version: options.version,
        timer: options.timer,
        log: this.log,
        maxImageBytes: options.maxImageBytes,
        staging: options.staging,
        runtime: options.runtime,
        firmwareUpdater: options.firmwareUpdater,
        terminal: options.budget?.terminal,
        auth: this.auth,
        onSettingsChanged: (changed) => {
          this.applySettings(changed);
          options.onSettingsChanged?.(changed);
        },
      });
      const handler = options.assets ? withStaticAssets(options.assets, api.handler) : api.handler;
      // A multipart upload carries part headers and boundaries around the image: leave room for them.
      const maxBodyBytes =
        (options.staging?.capacity ?? options.maxImageBytes ?? DEFAULT_UPLOAD_BYTES) + 16 * 1024;
      this.services.set(
        'http',
        new HttpServer({
          ...common,
          port: httpPort,
          timer: options.timer,
          handler,
          maxConnections: options.budget?.maxHttpConnections,
          maxOutputBytes: options.budget?.httpOutputBytes,
          readChunkBytes: options.budget?.httpReadChunkBytes,
          limits: { ...options.budget?.http, maxBodyBytes },
        }),
      );
    }
    const rfc2217Port = port('rfc2217', settings['rfc2217.port']);
    if (rfc2217Port !== 0) {
      // DTR/RTS drive NRST/BOOT0 by the stm32loader convention; the UART changes a client asks for are never saved.
      this.services.set(
        'rfc2217',
        new Rfc2217Service({
          ...common,
          hub: this.hub,
          timer: options.timer,
          port: rfc2217Port,
          queueBytes: options.budget?.clientQueueBytes,
          login: settings['rfc2217.login'] ? this.auth : undefined,
          boot0: options.boot0,
          nrst: options.nrst,
        }),
      );
    }
    this.log('info', `UART ${this.appSettings.baud} ${formatName(this.appSettings)}`);
  }

  /**
   * Apply what can change while running: the write policy, notices and the application UART (at once; while a flash
   * job has the UART, at the next start). Ports and client limits apply at the next start.
   */
  applySettings(settings: Settings): void {
    this.hub.policy = settings['bridge.policy'] as 'shared' | 'exclusive';
    this.hub.notices = settings['bridge.notices'];
    const format = parseFormat(settings['uart.format'])!;
    const now = this.hub.settings;
    if (this.hub.takenFor) {
      this.log('warn', 'UART settings saved during a flash job: they apply at the next start');
      return;
    }
    if (now.baud !== settings['uart.baud']) this.control.setBaud(settings['uart.baud']);
    if (formatName(now) !== formatName({ ...now, ...format })) this.control.setFormat(format);
  }

  close(): void {
    for (const service of this.services.values()) service.close();
    this.services.clear();
    this.hub.close();
  }
}

function describeLastFlash(flashes: FlashService): string | undefined {
  const last = flashes.history[flashes.history.length - 1];
  if (!last) return undefined;
  if (last.state === 'running') return `job ${last.id} running`;
  if (last.state === 'failed') return `job ${last.id} failed: ${last.error?.message ?? 'unknown error'}`;
  const result = last.result!;
  return `job ${last.id} ok: ${result.bytesWritten} bytes to ${result.chip.name}, verified by ${result.verifyMethod}`;
}
