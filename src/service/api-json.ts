/**
 * The JSON shapes of the HTTP API (contract: /api/status, /api/flash): records as the service keeps them turned
 * into what the clients read — `null` rather than absent fields, so a client can tell "none" from "not sent".
 */
import { formatName } from '../io/contracts.js';
import type { FlashResult } from '../stm32/flasher.js';
import type { ControlTarget, TargetState } from './control-target.js';
import type { FlashJobRecord, FlashService } from './flash-service.js';
import type { ClientStats, UartHub } from './uart-hub.js';

export interface JobJson {
  id: number;
  state: FlashJobRecord['state'];
  source: string;
  imageBytes: number;
  progress: { phase: string; done: number; total: number; percent: number } | null;
  result: FlashResult | null;
  error: { code: string; message: string } | null;
  /** Timer milliseconds (the service's clock). */
  startedAt: number;
  endedAt: number | null;
}

/** Where the service runs: the web page shows the WiFi settings only on a runtime that has WiFi. */
export interface RuntimeJson {
  platform: 'node' | 'device';
  wifi: boolean;
  /** Present when airboot's own firmware can be updated over the air (POST /api/device/firmware). */
  firmwareUpdate?: true;
}

export interface StatusJson {
  version: string;
  name: string;
  runtime: RuntimeJson;
  target: {
    state: TargetState;
    chip: FlashResult['chip'] | null;
    /** "2.2" for bootloader byte 0x22 (AN3155 §3.1: Get's version byte, major.minor nibbles); null until known. */
    bootloaderVersion: string | null;
  };
  uart: { baud: number; format: string };
  clients: ClientStats[];
  flash: { running: JobJson | null; last: JobJson | null };
}

export function jobJson(record: FlashJobRecord): JobJson {
  return {
    id: record.id,
    state: record.state,
    source: record.source,
    imageBytes: record.imageBytes,
    progress: record.progress ? { ...record.progress } : null,
    result: record.result ?? null,
    error: record.error ?? null,
    startedAt: record.startedAt,
    endedAt: record.endedAt ?? null,
  };
}

/** The chip the newest successful flash job or identify found: the last thing known about what is on the wire. */
export function lastKnownChip(flashes: FlashService): FlashResult['chip'] | null {
  const known = flashes.known;
  return known ? { ...known.chip } : null;
}

/** The bootloader version the newest successful job or identify read, as "major.minor" (AN3155 §3.1), or null. */
export function lastBootloaderVersion(flashes: FlashService): string | null {
  const version = flashes.known?.bootloaderVersion;
  return version === undefined ? null : `${version >> 4}.${version & 0xf}`;
}

/** Every kept job, newest first (GET /api/flash). */
export function jobsJson(flashes: FlashService): { jobs: JobJson[] } {
  const jobs: JobJson[] = [];
  const history = flashes.history;
  for (let i = history.length - 1; i >= 0; i--) jobs.push(jobJson(history[i]!));
  return { jobs };
}

/** The newest job that has ended. */
export function lastFinishedJob(flashes: FlashService): FlashJobRecord | undefined {
  const history = flashes.history;
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i]!.state !== 'running') return history[i];
  }
  return undefined;
}

export function statusJson(
  version: string,
  name: string,
  control: ControlTarget,
  hub: UartHub,
  flashes: FlashService,
  runtime: RuntimeJson = { platform: 'node', wifi: false },
): StatusJson {
  const status = control.status();
  const running = flashes.running;
  const last = lastFinishedJob(flashes);
  return {
    version,
    name,
    runtime: { ...runtime },
    target: {
      state: status.state,
      chip: lastKnownChip(flashes),
      bootloaderVersion: lastBootloaderVersion(flashes),
    },
    uart: { baud: status.uart.baud, format: formatName(status.uart) },
    clients: hub.clients.map((client) => ({ ...client })),
    flash: { running: running ? jobJson(running) : null, last: last ? jobJson(last) : null },
  };
}
