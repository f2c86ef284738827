/**
 * The flash page: pick or drop a firmware file, upload it as the raw request body (POST /api/flash?wait=0 → 202
 * with the job), and follow the job through Server-Sent Events (GET /api/flash/events: `progress` and `done`
 * events carrying the JobRecord). The server parses and checks the whole image before it touches the target, so
 * a bad file comes back at once as a 400 naming the line or offset. Below: the kept jobs (GET /api/flash).
 */
import {
  authHeaders,
  ensureLoggedIn,
  type JobRecord,
  logIn,
  needsLogin,
  parseAnswer,
  requestJson,
} from './api.js';
import { byId, element, formatBytes, formatMs, showMessage } from './dom.js';
import { checkFileName, describeUploadError, explainFailure } from './flash-errors.js';
import { describeJob } from './status.js';

/** Raw binary: the only format that needs an address. */
const RAW_BINARY = /\.bin$/i;

/** How often a running job's record is fetched besides the event stream, ms. */
const POLL_MS = 3000;

/** Phases whose progress counts bytes (connect counts steps, erase counts pages or sectors). */
const BYTE_PHASES = new Set(['upload', 'write', 'verify']);

/** Bytes per second over a phase so far: from its first progress report to now. */
class SpeedMeter {
  private phase = '';
  private firstDone = 0;
  private firstAt = 0;

  /** The speed to show for this report, e.g. "12.3 KiB/s", or '' when it is not a byte count or too early. */
  update(phase: string, done: number): string {
    const now = performance.now();
    if (phase !== this.phase) {
      this.phase = phase;
      this.firstDone = done;
      this.firstAt = now;
      return '';
    }
    const seconds = (now - this.firstAt) / 1000;
    if (!BYTE_PHASES.has(phase) || seconds < 0.2 || done <= this.firstDone) return '';
    return `${formatBytes((done - this.firstDone) / seconds)}/s`;
  }
}

/** Phase times and what was done, e.g. "connect 20 ms · erase 244 ms · write 1.08 s (7.4 KiB/s) · …". */
export function describeTimings(job: JobRecord): string {
  const result = job.result;
  if (!result) return '';
  const parts: string[] = [];
  for (const [phase, ms] of Object.entries(result.phases)) {
    if (ms <= 0) continue;
    const speed = phase === 'write' && ms > 0 ? ` (${formatBytes((result.bytesWritten * 1000) / ms)}/s)` : '';
    parts.push(`${phase} ${formatMs(ms)}${speed}`);
  }
  parts.push(`total ${formatMs(result.totalMs)}`);
  const erased = `${result.unitsErased} erased${result.unitsSkipped ? `, ${result.unitsSkipped} unchanged skipped` : ''}`;
  const verification = result.verified
    ? `verified by ${result.verifyMethod}`
    : 'not verified (Verify was off)';
  return `${parts.join(' · ')}. ${formatBytes(result.bytesWritten)} written, ${erased}; ${verification}; bootloader v${result.bootloaderVersion >> 4}.${result.bootloaderVersion & 0xf}.`;
}

/** A finished job's error explained, with the advice its code calls for. */
function describeFailure(job: JobRecord): string {
  const error = job.error;
  if (!error) return describeJob(job);
  return `Job ${job.id} failed: ${explainFailure(error.code, error.message)}`;
}

function renderHistory(jobs: JobRecord[]): void {
  const rows = byId('flash-history').querySelector('tbody')!;
  rows.replaceChildren();
  for (const job of jobs) {
    const row = element('tr', job.state === 'failed' ? 'bad' : '');
    const result =
      job.state === 'succeeded'
        ? job.result?.verified
          ? `verified (${job.result.verifyMethod})`
          : 'written, not verified'
        : job.state === 'failed'
          ? `failed: ${job.error?.code ?? '?'}`
          : `running ${Math.round(job.progress?.percent ?? 0)}%`;
    const time = job.result
      ? formatMs(job.result.totalMs)
      : job.endedAt
        ? formatMs(job.endedAt - job.startedAt)
        : '';
    for (const text of [String(job.id), job.source, formatBytes(job.imageBytes), result, time]) {
      row.append(element('td', '', text));
    }
    if (job.error) row.title = job.error.message;
    rows.append(row);
  }
  if (jobs.length === 0) {
    const cell = element('td', 'empty', 'no flash jobs yet');
    cell.colSpan = 5;
    rows.append(element('tr'));
    rows.lastElementChild!.append(cell);
  }
}

export function startFlash(onJobEnded: () => void): void {
  const form = byId<HTMLFormElement>('flash-form');
  const input = byId<HTMLInputElement>('flash-file');
  const dropZone = byId('drop-zone');
  const dropText = byId('drop-text');
  const start = byId<HTMLButtonElement>('flash-start');
  const message = byId('flash-message');
  const details = byId('flash-details');
  const progressBox = byId('flash-progress');
  const bar = byId<HTMLProgressElement>('flash-bar');
  const phase = byId('flash-phase');
  const speed = byId('flash-speed');
  const percent = byId('flash-percent');
  const meter = new SpeedMeter();
  let file: File | undefined;
  /** The job this page started, followed until it ends. */
  let jobId: number | undefined;
  /** The newest job the event stream said has ended: it may end before its 202 answer is read. */
  let lastDone: JobRecord | undefined;
  let poll: number | undefined;

  const loadHistory = async () => {
    try {
      renderHistory((await requestJson<{ jobs: JobRecord[] }>('GET', '/api/flash')).jobs);
    } catch {
      // Offline for a moment: the header says so; the next job end reloads it.
    }
  };

  const choose = (picked: File | undefined) => {
    const refusal = picked ? checkFileName(picked.name) : undefined;
    file = refusal ? undefined : picked;
    start.disabled = !file || jobId !== undefined;
    dropText.textContent = picked
      ? `${picked.name} · ${formatBytes(picked.size)}`
      : 'Choose a firmware file or drop it here';
    form.classList.toggle('is-bin', !!file && RAW_BINARY.test(file.name));
    details.textContent = '';
    if (refusal) showMessage(message, refusal, 'error');
    else showMessage(message, file ? 'ready: press Flash' : '');
  };
  input.addEventListener('change', () => choose(input.files?.[0]));
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('over');
    choose(event.dataTransfer?.files[0]);
  });

  const showProgress = (label: string, value: number, rate = '') => {
    progressBox.hidden = false;
    phase.textContent = label;
    speed.textContent = rate;
    percent.textContent = `${Math.round(value)}%`;
    bar.value = value;
  };

  const finish = (job: JobRecord) => {
    if (job.id !== jobId) return;
    jobId = undefined;
    clearInterval(poll);
    start.disabled = !file;
    if (job.state === 'succeeded') {
      showProgress('done', 100);
      showMessage(message, describeJob(job), 'ok');
      details.textContent = describeTimings(job);
    } else {
      showMessage(message, describeFailure(job), 'error');
    }
    onJobEnded();
  };

  // One stream for the page: it also shows jobs started elsewhere (the CLI, another browser).
  const events = new EventSource('/api/flash/events');
  const onEvent = (event: MessageEvent<string>) => {
    const job = JSON.parse(event.data) as JobRecord;
    if (event.type === 'done') {
      lastDone = job;
      if (job.id === jobId) finish(job);
      else onJobEnded();
      void loadHistory();
      return;
    }
    const progress = job.progress;
    if (progress && (jobId === undefined || job.id === jobId)) {
      const label = `${job.id === jobId ? '' : `job ${job.id}: `}${progress.phase}`;
      showProgress(label, progress.percent, meter.update(progress.phase, progress.done));
    }
  };
  events.addEventListener('progress', onEvent as EventListener);
  events.addEventListener('done', onEvent as EventListener);

  const checkJob = async (id: number) => {
    try {
      const job = await requestJson<JobRecord>('GET', `/api/flash/${id}`);
      if (job.state !== 'running') finish(job);
    } catch {
      // Offline for a moment: try again at the next tick.
    }
  };

  const started = (job: JobRecord) => {
    jobId = job.id;
    void loadHistory();
    if (job.state !== 'running') {
      finish(job);
    } else if (lastDone?.id === job.id) {
      finish(lastDone);
    } else {
      showMessage(message, `job ${job.id}: flashing ${job.source}…`);
      showProgress(job.progress?.phase ?? 'starting', job.progress?.percent ?? 0);
      // The event stream brings progress; this catches the end should the stream be down meanwhile.
      poll = window.setInterval(() => void checkJob(job.id), POLL_MS);
    }
  };

  const refused = (text: string) => {
    progressBox.hidden = true;
    start.disabled = !file;
    showMessage(message, text, 'error');
  };

  /** Upload with XMLHttpRequest rather than fetch: only it reports upload progress. */
  const upload = (chosen: File, query: URLSearchParams, retried: boolean) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/api/flash?${query}`);
    request.setRequestHeader('Content-Type', 'application/octet-stream');
    for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
    request.upload.onprogress = (progress) => {
      if (!progress.lengthComputable) return;
      showProgress(
        'upload',
        (100 * progress.loaded) / progress.total,
        meter.update('upload', progress.loaded),
      );
    };
    request.onload = () => {
      let job: JobRecord;
      try {
        job = parseAnswer<JobRecord>(request.status, request.responseText);
      } catch (error) {
        if (!retried && needsLogin(error)) {
          logIn().then(
            () => upload(chosen, query, true),
            () => refused(describeUploadError(error)),
          );
          return;
        }
        refused(describeUploadError(error));
        return;
      }
      started(job);
    };
    request.onerror = () => refused('Upload failed: the connection to the device was lost.');
    meter.update('', 0);
    request.send(chosen);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!file) return;
    const options = new FormData(form);
    const query = new URLSearchParams({
      name: file.name,
      wait: '0',
      verify: options.has('verify') ? '1' : '0',
      go: options.has('go') ? '1' : '0',
      skipUnchanged: options.has('skipUnchanged') ? '1' : '0',
    });
    if (options.has('eraseAll')) query.set('erase', 'all');
    if (RAW_BINARY.test(file.name)) {
      const address = String(options.get('address') ?? '').trim();
      if (!/^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(address)) {
        showMessage(message, `Address for .bin: '${address}' is not a number such as 0x08000000.`, 'error');
        byId('flash-address').focus();
        return;
      }
      query.set('address', address);
    }
    start.disabled = true;
    details.textContent = '';
    showMessage(message, `uploading ${file.name}…`);
    showProgress('upload', 0);
    const chosen = file;
    ensureLoggedIn().then(
      () => upload(chosen, query, false),
      () => refused('Not flashed: log in with the admin password first.'),
    );
  });
  void loadHistory();
}
