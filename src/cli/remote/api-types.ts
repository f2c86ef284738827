/**
 * The JSON shapes of the airboot HTTP API as the remote CLI reads them (contract: /api/status, /api/settings,
 * /api/flash). Fields the CLI does not use are left out; the service may send more.
 */

export interface ChipSummary {
  pid: number;
  name: string;
  flashBytes: number;
}

export interface JobProgress {
  phase: string;
  done: number;
  total: number;
  percent: number;
}

/** Result of a flash job that ran to its end (the service's FlashResult). */
export interface RemoteFlashResult {
  chip: ChipSummary;
  bootloaderVersion: number | string;
  bytesWritten: number;
  unitsErased: number;
  unitsSkipped: number;
  /** How skip-unchanged compared ('checksum', 'ram-crc', 'read-back'; 'none' without it). Absent from older services. */
  compareMethod?: string;
  verified: boolean;
  verifyMethod: string;
  phases: Record<string, number>;
  /** Milliseconds. */
  totalMs: number;
}

export interface JobRecord {
  /** Opaque to the CLI: a number or a string, used as given in /api/flash/:id. */
  id: string | number;
  state: 'running' | 'succeeded' | 'failed';
  source?: string;
  imageBytes?: number;
  progress: JobProgress | null;
  result: RemoteFlashResult | null;
  error: { code: string; message: string } | null;
  startedAt?: number | string;
  endedAt?: number | string | null;
}

export interface ClientSummary {
  id: string | number;
  kind: string;
  remote: string;
  toClientBytes: number;
  fromClientBytes: number;
  droppedBytes: number;
  refusedBytes?: number;
}

export interface ServiceStatus {
  version: string;
  name: string;
  target: { state: string; chip: ChipSummary | null };
  uart: { baud: number; format: string };
  clients: ClientSummary[];
  flash: { running: JobRecord | null; last: JobRecord | null };
}

/** A setting's value as GET /api/settings shows it; secrets appear as `{ set: boolean }`. */
export type PublicSettingValue = string | number | boolean | { set: boolean };

export interface FieldError {
  field: string;
  message: string;
}
