/**
 * The airboot HTTP API as the page uses it (docs: notes/api.md, the same contract the remote CLI uses). Types
 * are what the page reads; unknown extra fields are ignored.
 */

export interface ChipInfo {
  pid: number;
  name: string;
  flashBytes: number;
}

export interface FlashProgress {
  phase: string;
  done: number;
  total: number;
  percent: number;
}

export interface FlashResult {
  chip: ChipInfo;
  bytesWritten: number;
  unitsErased: number;
  unitsSkipped: number;
  verified: boolean;
  verifyMethod: string;
  totalMs: number;
}

export interface JobRecord {
  id: number;
  state: 'running' | 'succeeded' | 'failed';
  source: string;
  imageBytes: number;
  progress: FlashProgress | null;
  result: FlashResult | null;
  error: { code: string; message: string } | null;
}

export interface ClientInfo {
  id: number;
  kind: string;
  remote: string;
  toClientBytes: number;
  fromClientBytes: number;
  droppedBytes: number;
  refusedBytes: number;
}

export interface Status {
  version: string;
  name: string;
  target: { state: string; chip: ChipInfo | null };
  uart: { baud: number; format: string };
  clients: ClientInfo[];
  flash: { running: JobRecord | null; last: JobRecord | null };
}

/** A secret setting: only whether it is set ever leaves the device. */
export interface SecretState {
  set: boolean;
}

export type SettingValue = string | number | boolean | SecretState;

/** An answer that is not 2xx: the API's `{ error, message, … }` body, or what could be made of it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * Send a request and parse the JSON answer. Resolves with the body for 2xx; rejects with ApiError otherwise
 * (the message says what the server said, or the status when the body is not the API's error JSON).
 */
export async function requestJson<T>(method: string, url: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  }
  const response = await fetch(url, init);
  return parseAnswer<T>(response.status, await response.text());
}

/** Shared by fetch and XMLHttpRequest answers. */
export function parseAnswer<T>(status: number, text: string): T {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) return body as T;
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = typeof fields['error'] === 'string' ? fields['error'] : `HTTP_${status}`;
  const message = typeof fields['message'] === 'string' ? fields['message'] : `HTTP ${status}`;
  throw new ApiError(status, code, message, fields);
}
