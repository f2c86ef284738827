import type { ProgressDisplay } from '../progress.js';
import type { ApiClient } from './api-client.js';
import type { JobRecord } from './api-types.js';
import { RemoteError } from './errors.js';

/** Options of POST /api/flash, as query parameters (contract: /work/notes/api.md). */
export interface RemoteFlashOptions {
  /** File name, for the service's log and its detection tiebreak. */
  name: string;
  /** Load address of a raw binary. */
  address?: number | undefined;
  verify: boolean;
  go: boolean;
  skipUnchanged: boolean;
  /** Let the service checksum pages with its routine in RAM (default true). */
  ramCrc?: boolean;
  eraseAll: boolean;
}

/** How often the job is polled when the event stream is missing or went quiet, in ms. */
export const POLL_INTERVAL_MS = 1000;
/** Events kept while the job's id is not known yet (the upload answer has not arrived). */
const EARLY_EVENTS_MAX = 64;

/**
 * Upload an image to the service and follow its flash job to the end: listen on /api/flash/events FIRST (so no
 * progress is missed), POST the bytes with wait=0, show the job's progress, and return its final record from
 * GET /api/flash/:id. When the event stream cannot be opened or ends early, the job is polled instead.
 * Rejects with RemoteError (409 busy, unreachable, 400/413 refused).
 */
export async function runRemoteFlashJob(
  client: ApiClient,
  image: Uint8Array,
  options: RemoteFlashOptions,
  progress: ProgressDisplay,
): Promise<JobRecord> {
  const abort = new AbortController();
  let jobId: string | undefined;
  const early: JobRecord[] = [];
  let finished: (() => void) | undefined;
  const doneSignal = new Promise<void>((resolve) => {
    finished = resolve;
  });

  const onRecord = (record: JobRecord, done: boolean): boolean => {
    if (record.progress) progress.update(record.progress);
    if (done || record.state !== 'running') {
      finished?.();
      return true;
    }
    return false;
  };

  let streaming = false;
  try {
    const stream = await client.events(
      '/api/flash/events',
      (event) => {
        if (event.event !== 'progress' && event.event !== 'done') return false;
        const record = parseRecord(event.data);
        if (!record) return false;
        if (jobId === undefined) {
          if (early.length < EARLY_EVENTS_MAX) early.push(record);
          return false;
        }
        if (String(record.id) !== jobId) return false;
        return onRecord(record, event.event === 'done');
      },
      abort.signal,
    );
    streaming = true;
    stream.ended.then(
      () => {
        streaming = false;
      },
      () => {
        streaming = false;
      },
    );
  } catch (error) {
    // No event stream (an older service, a proxy): progress then comes from polling. Unreachable is fatal.
    if (error instanceof RemoteError && error.code === 'REMOTE_UNREACHABLE') throw error;
  }

  try {
    const answer = await client
      .request<JobRecord>('POST', `/api/flash?${query(options)}`, { body: image, accept: [500] })
      .catch((error: unknown) => {
        if (!(error instanceof RemoteError) || error.code !== 'REMOTE_BUSY') throw error;
        const running = (error.body as { message?: unknown } | undefined)?.message;
        throw new RemoteError(
          'REMOTE_BUSY',
          `another flash job is running on ${client.host.baseUrl}${typeof running === 'string' ? ` (${running})` : ''}`,
          error.baseUrl,
          error.status,
          error.body,
        );
      });
    const started = answer.body;
    if (!isRecord(started)) {
      throw new RemoteError(
        'REMOTE_PROTOCOL',
        `POST /api/flash answered ${answer.status} without a job record`,
        client.host.baseUrl,
        answer.status,
        started,
      );
    }
    jobId = String(started.id);
    if (started.state !== 'running') return started;
    for (const record of early) {
      if (String(record.id) === jobId && onRecord(record, record.state !== 'running')) break;
    }

    // Wait for the 'done' event; poll meanwhile when the stream is gone, and now and then anyway (a missed event).
    let polls = 0;
    for (;;) {
      const outcome = await Promise.race([doneSignal.then(() => 'done' as const), delay(POLL_INTERVAL_MS)]);
      if (outcome === 'done') break;
      polls++;
      if (streaming && polls % 5 !== 0) continue;
      const record = await client.get<JobRecord>(`/api/flash/${encodeURIComponent(jobId)}`);
      if (onRecord(record, false)) break;
    }
    return await client.get<JobRecord>(`/api/flash/${encodeURIComponent(jobId)}`);
  } finally {
    abort.abort();
  }
}

function query(options: RemoteFlashOptions): string {
  const params = new URLSearchParams({ name: options.name, wait: '0' });
  if (options.address !== undefined)
    params.set('address', `0x${options.address.toString(16).padStart(8, '0')}`);
  params.set('verify', options.verify ? '1' : '0');
  params.set('go', options.go ? '1' : '0');
  params.set('skipUnchanged', options.skipUnchanged ? '1' : '0');
  if (options.ramCrc === false) params.set('ramCrc', '0');
  if (options.eraseAll) params.set('erase', 'all');
  return params.toString();
}

function parseRecord(data: string): JobRecord | undefined {
  try {
    const value = JSON.parse(data) as unknown;
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is JobRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<JobRecord>;
  return (typeof record.id === 'string' || typeof record.id === 'number') && typeof record.state === 'string';
}

function delay(ms: number): Promise<'tick'> {
  return new Promise((resolve) => setTimeout(() => resolve('tick'), ms));
}
