/**
 * The HTTP API (contract: docs "HTTP API"): status, settings, target control, flash jobs with progress as
 * Server-Sent Events, and the WebSocket terminal — as routes of a Router over the portable services.
 *
 *   const api = createApiRouter({ hub, control, flashes, settings, name: () => …, version, timer });
 *   new HttpServer({ …, handler: (request, response) =>
 *     isApiPath(request.head.path) ? api.handler(request, response) : staticFiles(request, response) });
 *
 * Errors are JSON `{ error: CODE, message, …details }` with the status the contract names.
 */

import { ImageError } from '../image/errors.js';
import type { Log, Timer } from '../io/contracts.js';
import { silentLog } from '../io/contracts.js';
import { HttpError } from '../net/http/errors.js';
import {
  type BoundHandler,
  type RouteContext,
  type Router,
  readJsonBody,
  routeTable,
} from '../net/http/router.js';
import type { ServerResponse } from '../net/http/server-response.js';
import { jobJson, jobsJson, type RuntimeJson, statusJson } from './api-json.js';
import { parseFlashQuery, QueryOptionError } from './api-options.js';
import type { AuthGuard } from './auth-guard.js';
import type { ControlTarget } from './control-target.js';
import { type FirmwareUpdater, firmwareUpdateRoute } from './firmware-update.js';
import { BusyError, type FlashJobRecord, type FlashService } from './flash-service.js';
import { checkCredentials, GuardedRouter, requestCredentials, tooManyAttempts } from './http-auth.js';
import { publicSettings, type Settings, type SettingsStore } from './settings.js';
import type { SizedFlashImage } from './staged-image.js';
import type { ImageStaging } from './staging.js';
import type { UartHub } from './uart-hub.js';
import { DEFAULT_UPLOAD_BYTES, receiveImage, UploadAbortedError } from './upload.js';
import { type SerialTerminalOptions, serialTerminalRoute } from './ws-terminal.js';

export interface ApiContext {
  hub: UartHub;
  control: ControlTarget;
  flashes: FlashService;
  settings: SettingsStore;
  /** The service's name now (the `device.name` setting, or a command-line override). */
  name: () => string;
  version: string;
  timer: Timer;
  log?: Log;
  /** Most bytes of an uploaded image file; more is answered 413. Default 4 MiB (host); a device passes less. */
  maxImageBytes?: number;
  /**
   * Where uploads stream to instead of RAM (the device's flash). Then an upload may be as large as the staging area,
   * and `maxImageBytes` bounds what a text format decodes to in RAM.
   */
  staging?: ImageStaging;
  /** Called after PUT /api/settings saved a change (to apply what can change while running). */
  onSettingsChanged?: (settings: Settings) => void;
  /** Options of the WebSocket terminal (queue sizes, ping interval). */
  terminal?: Partial<Omit<SerialTerminalOptions, 'hub' | 'timer' | 'log'>>;
  /** Where the service runs (status `runtime`). Default `{ platform: 'node', wifi: false }`; the device passes its own. */
  runtime?: RuntimeJson;
  /** Milliseconds between keep-alive comments on the event stream. Default 15000. */
  eventKeepAliveMs?: number;
  /**
   * The admin password check (auth-guard.ts). With a password set, every state-changing route and the terminal
   * need credentials (http-auth.ts); the CSRF check applies with or without it.
   */
  auth?: AuthGuard;
  /** Updates airboot's own firmware over the air (firmware-update.ts); without it the route does not exist. */
  firmwareUpdater?: FirmwareUpdater;
}

/** Whether `path` belongs to the API (the rest is for static files). */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path.startsWith('/ws/');
}

/** What the API's routes work on: the context, and its parts they use most. */
interface ApiState {
  readonly context: ApiContext;
  readonly log: Log;
  readonly auth: AuthGuard | undefined;
  readonly hub: UartHub;
  readonly control: ControlTarget;
  readonly flashes: FlashService;
  readonly settings: SettingsStore;
}

/** A router with every endpoint of the API; mount `router.handler` on an HttpServer. */
export function createApiRouter(context: ApiContext): Router<ApiState> {
  const log = context.log ?? silentLog;
  const { hub, flashes } = context;
  const state: ApiState = {
    context,
    log,
    auth: context.auth,
    hub,
    control: context.control,
    flashes,
    settings: context.settings,
  };
  // Every route passes the CSRF and credential checks first (http-auth.ts): those of the table, and those below.
  const router = new GuardedRouter(context.auth, API_ROUTES, state);
  // These two keep state of their own per router.
  if (context.firmwareUpdater) {
    router.post(
      '/api/device/firmware',
      firmwareUpdateRoute({ updater: context.firmwareUpdater, flashes, timer: context.timer, log }),
    );
  }
  router.get(
    '/ws/serial',
    serialTerminalRoute({ ...context.terminal, hub, timer: context.timer, log: context.log }),
  );
  return router;
}

/**
 * The API's routes, at module level: on the device mcconfig preloads this table into flash with the module, so it
 * costs no RAM (docs/device.md "Heap budget"); each router binds it to its own state. The order matters where
 * patterns overlap: /api/flash/events before /api/flash/:id.
 */
const API_ROUTES = routeTable<ApiState>([
  ['GET', '/api/status', getStatus],
  ['POST', '/api/login', postLogin],
  ['POST', '/api/logout', postLogout],
  ['GET', '/api/settings', getSettings],
  ['PUT', '/api/settings', putSettings],
  ['POST', '/api/target/reset', targetAction((control) => control.reset())],
  ['POST', '/api/target/boot', targetAction((control) => control.boot())],
  ['POST', '/api/target/run', targetAction((control) => control.run())],
  ['POST', '/api/target/identify', identifyTarget],
  ['GET', '/api/flash', listJobs],
  ['GET', '/api/flash/events', jobEvents],
  ['GET', '/api/flash/:id', getJob],
  ['POST', '/api/flash', postFlash],
]);

async function getStatus(
  api: ApiState,
  { head, query, request }: RouteContext,
  response: ServerResponse,
): Promise<void> {
  const { context, auth, hub, control, flashes } = api;
  const required = auth?.required ?? false;
  // loggedIn: this request carried valid credentials (a wrong Basic password counts toward the back-off).
  const loggedIn =
    required &&
    (await checkCredentials(auth!, requestCredentials(head, query), request.remoteAddress)) === 'ok';
  response.json(200, {
    ...statusJson(context.version, context.name(), control, hub, flashes, context.runtime),
    auth: { required, loggedIn },
  });
}

// Log in: trade the admin password for a bearer token (contract: "Added 2026-11-23"). Open to all (it is how one
// gets credentials); guarded by the back-off. Without a password set there is nothing to log in to.
async function postLogin(api: ApiState, { request }: RouteContext, response: ServerResponse): Promise<void> {
  const { log, auth } = api;
  const body = await readJsonBody(request, LOGIN_BODY_LIMIT);
  const password = (body as { password?: unknown } | null)?.password;
  if (typeof password !== 'string') {
    response.json(400, { error: 'BAD_REQUEST', message: 'send {"password": "..."}' });
    return;
  }
  if (!auth?.required) {
    response.json(409, { error: 'NO_PASSWORD', message: 'no admin password is set: nothing to log in to' });
    return;
  }
  const result = await auth.login(password, request.remoteAddress);
  if (result.ok) {
    log('info', `http: ${request.remoteAddress} logged in`);
    response.json(200, { token: result.token, expiresInMs: result.expiresInMs });
  } else if (result.reason === 'TOO_MANY_ATTEMPTS') {
    tooManyAttempts(response, result.retryAfterMs);
  } else {
    log('warn', `http: wrong admin password from ${request.remoteAddress}`);
    response.json(401, { error: 'BAD_PASSWORD', message: 'wrong password' });
  }
}

// Log out: end the session of the bearer token sent, if any. Always 200 (ending nothing is not an error).
function postLogout(api: ApiState, { head, query }: RouteContext, response: ServerResponse): void {
  const { auth } = api;
  const credentials = requestCredentials(head, query);
  if (auth && credentials.kind === 'token') auth.logout(credentials.token);
  response.json(200, { ok: true });
}

function getSettings(api: ApiState, _context: RouteContext, response: ServerResponse): void {
  const { settings } = api;
  response.json(200, { settings: publicSettings(settings.settings) });
}

async function putSettings(
  api: ApiState,
  { request }: RouteContext,
  response: ServerResponse,
): Promise<void> {
  const { context, settings } = api;
  const update = await readJsonBody(request);
  const errors = settings.update(update);
  if (errors) {
    response.json(400, {
      error: 'INVALID_SETTINGS',
      message: errors.map((error) => `${error.field || 'settings'}: ${error.message}`).join('; '),
      errors,
    });
    return;
  }
  const now = settings.settings;
  context.onSettingsChanged?.(now);
  response.json(200, { settings: publicSettings(now) });
}

// Identify the chip (it is reset into its bootloader and back): what the status shows before any flash.
async function identifyTarget(
  api: ApiState,
  _context: RouteContext,
  response: ServerResponse,
): Promise<void> {
  const { flashes } = api;
  try {
    const found = await flashes.identify();
    response.json(200, {
      chip: { ...found.chip },
      bootloaderVersion: `${found.bootloaderVersion >> 4}.${found.bootloaderVersion & 0xf}`,
    });
  } catch (error) {
    if (error instanceof BusyError) {
      busy(response, error);
      return;
    }
    const failure = error as { code?: string; message?: string };
    response.json(500, { error: failure.code ?? 'INTERNAL', message: failure.message ?? String(error) });
  }
}

// The kept jobs, newest first (at most `flash.keepResults`: FlashService keeps no more).
function listJobs(api: ApiState, _context: RouteContext, response: ServerResponse): void {
  const { flashes } = api;
  response.json(200, jobsJson(flashes));
}

// Before /api/flash/:id, which would otherwise take "events" as an id.
function jobEvents(api: ApiState, _context: RouteContext, response: ServerResponse): void {
  const { context, flashes } = api;
  const stream = response.events({ keepAliveMs: context.eventKeepAliveMs ?? 15000 });
  const send = (record: FlashJobRecord) => {
    const name = record.state === 'running' ? 'progress' : 'done';
    const data = JSON.stringify(jobJson(record));
    if (stream.sendEvent(name, data) || name !== 'done' || stream.closed) return;
    // Progress is superseded by the next event, the end of a job is not: send it once the queue has room.
    response.drained().then(() => stream.sendEvent(name, data));
  };
  const unsubscribe = flashes.subscribe(send);
  stream.onClose = unsubscribe;
  const running = flashes.running;
  if (running) send(running);
}

function getJob(api: ApiState, { params }: RouteContext, response: ServerResponse): void {
  const { flashes } = api;
  const id = /^\d{1,9}$/.test(params.id!) ? Number(params.id) : Number.NaN;
  const record = flashes.job(id);
  if (!record) {
    response.json(404, {
      error: 'NOT_FOUND',
      message: `no flash job ${params.id} (the last few are kept)`,
    });
    return;
  }
  response.json(200, jobJson(record));
}

async function postFlash(
  api: ApiState,
  { request, query }: RouteContext,
  response: ServerResponse,
): Promise<void> {
  const { context, log, flashes } = api;
  let options: ReturnType<typeof parseFlashQuery>;
  try {
    options = parseFlashQuery(query);
  } catch (error) {
    if (!(error instanceof QueryOptionError)) throw error;
    response.json(400, { error: error.code, message: error.message, option: error.option });
    return;
  }
  // Refuse early when a job runs: no point receiving an image that cannot be flashed now.
  const running = flashes.running;
  if (running) {
    busy(response, new BusyError(running.id));
    return;
  }
  const maxBytes = context.maxImageBytes ?? DEFAULT_UPLOAD_BYTES;
  const staging = context.staging;
  if (staging?.receiving) {
    response.json(409, {
      error: 'UPLOAD_BUSY',
      message: 'another upload is being received; try when it ends',
    });
    return;
  }
  let upload: Awaited<ReturnType<typeof receiveImage>>;
  try {
    upload = await receiveImage(request, staging ? staging.capacity : maxBytes, staging);
  } catch (error) {
    if (error instanceof UploadAbortedError) {
      log('info', `http: flash upload from ${request.remoteAddress} not flashed: ${error.message}`);
      return;
    }
    if (!(error instanceof HttpError)) throw error;
    // The rest of the body is not wanted: close rather than read it.
    response.json(error.status, { error: error.code, message: error.message }, [['Connection', 'close']]);
    return;
  }
  const name = options.name ?? upload.filename;
  let image: SizedFlashImage;
  try {
    image = upload.open({ name, baseAddress: options.address, maxBytes }).image;
  } catch (error) {
    if (!(error instanceof ImageError)) throw error;
    response.json(400, {
      error: error.code,
      message: error.message,
      ...(error.line === undefined ? {} : { line: error.line }),
      ...(error.offset === undefined ? {} : { offset: error.offset }),
    });
    return;
  }
  let job: ReturnType<FlashService['start']>;
  try {
    job = flashes.start(image, name ?? 'upload', options.job);
  } catch (error) {
    if (!(error instanceof BusyError)) throw error;
    busy(response, error);
    return;
  }
  log('info', `http: flash job ${job.record.id} started: ${image.size} bytes from ${request.remoteAddress}`);
  // FlashService's afterJob hook hands the chip back running its application (it resets it or jumps with Go).
  const ended = job.done;
  if (!options.wait) {
    response.json(202, jobJson(job.record));
    return;
  }
  const record = await ended;
  response.json(record.state === 'succeeded' ? 200 : 500, jobJson(record));
}

/** Most bytes of a POST /api/login body: {"password": …} with a 64-character password, escaped. */
const LOGIN_BODY_LIMIT = 1024;

/** POST /api/target/… : 200 with the message, 409 while a flash job has the target. */
function targetAction(action: (control: ControlTarget) => Promise<string>): BoundHandler<ApiState> {
  return async (api, _context, response) => {
    let message: string;
    try {
      message = await action(api.control);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const text = (error as Error).message ?? String(error);
      if (code === 'TARGET_BUSY') response.json(409, { error: code, message: text });
      else response.json(500, { error: code ?? 'INTERNAL', message: text });
      return;
    }
    response.json(200, { ok: true, message });
  };
}

/** 409. An unread body is read and thrown away by the server (closing with unread input would reset the
 * connection, and the client might never see this answer). */
function busy(response: ServerResponse, error: BusyError): void {
  response.json(409, { error: error.code, message: error.message, jobId: error.jobId });
}
