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
  bootloaderVersion: number;
  bytesWritten: number;
  unitsErased: number;
  unitsSkipped: number;
  verified: boolean;
  verifyMethod: string;
  /** Milliseconds per phase: connect, erase, write, verify, go. */
  phases: Record<string, number>;
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
  startedAt: number;
  endedAt: number | null;
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

export interface AuthState {
  /** An admin password is set: state-changing requests need a token. */
  required: boolean;
  /** This request carried valid credentials. */
  loggedIn: boolean;
}

export interface Status {
  version: string;
  name: string;
  /** Absent from a service older than the field: then Node without WiFi. */
  runtime?: { platform: 'node' | 'device'; wifi: boolean; firmwareUpdate?: true };
  /** Absent from a service without authentication: then nothing needs a password. */
  auth?: AuthState;
  target: { state: string; chip: ChipInfo | null; bootloaderVersion?: string | null };
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

/** Where the page keeps its login token: gone when the tab closes (api.md "Auth"). */
const TOKEN_KEY = 'airboot.token';

/** The login token, if this tab logged in. */
export function authToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setAuthToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** `Authorization: Bearer <token>` when logged in. */
export function authHeaders(): Record<string, string> {
  const token = authToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Asks the user for the admin password; resolves once logged in, rejects when they give up. Set by auth.ts. */
let login: (() => Promise<void>) | undefined;

export function setLoginHandler(handler: () => Promise<void>): void {
  login = handler;
}

/** Whether the service has an admin password (status.auth.required), as last seen. */
let authRequired = false;

export function setAuthRequired(required: boolean): void {
  authRequired = required;
}

/** Before a state-changing request: ask for the password first when one is set and this tab has no token. */
export async function ensureLoggedIn(): Promise<void> {
  if (authRequired && !authToken()) await logIn();
}

/** Whether an answer asks for a login, which is worth one retry once the user has logged in. */
export function needsLogin(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && login !== undefined;
}

/** Drop a token the server no longer takes, then ask for the password. */
export async function logIn(): Promise<void> {
  setAuthToken(null);
  if (!login) throw new Error('login is not available');
  await login();
}

/**
 * Send a request and parse the JSON answer. Resolves with the body for 2xx; rejects with ApiError otherwise
 * (the message says what the server said, or the status when the body is not the API's error JSON). A 401
 * (AUTH_REQUIRED: the token expired, or the password was set meanwhile) opens the login dialog and, once logged
 * in, sends the request again. A state-changing request asks for the password up front when one is known to be set.
 */
export async function requestJson<T>(method: string, url: string, body?: unknown): Promise<T> {
  if (method !== 'GET') await ensureLoggedIn();
  try {
    return await requestOnce<T>(method, url, body);
  } catch (error) {
    if (!needsLogin(error)) throw error;
    await logIn();
    return requestOnce<T>(method, url, body);
  }
}

async function requestOnce<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders() };
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
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
