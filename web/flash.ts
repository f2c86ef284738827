/**
 * The flash card: pick or drop a firmware file, upload it as the raw request body (POST /api/flash?wait=0 →
 * 202 with the job), and follow the job through Server-Sent Events (GET /api/flash/events: `progress` and `done`
 * events carrying the JobRecord). The server parses and checks the whole image before it touches the target, so
 * a bad file comes back at once as a 400 naming the line or offset.
 */
import { ApiError, type JobRecord, parseAnswer, requestJson } from './api.js';
import { byId, formatBytes, showMessage } from './dom.js';
import { describeJob } from './status.js';

/** Image formats the server detects by content; .bin is the only one that needs an address. */
const RAW_BINARY = /\.bin$/i;

/** How often a running job's record is fetched besides the event stream, ms. */
const POLL_MS = 3000;

export function startFlash(onJobEnded: () => void): void {
  const form = byId<HTMLFormElement>('flash-form');
  const input = byId<HTMLInputElement>('flash-file');
  const dropZone = byId('drop-zone');
  const dropText = byId('drop-text');
  const start = byId<HTMLButtonElement>('flash-start');
  const message = byId('flash-message');
  const progressBox = byId('flash-progress');
  const bar = byId<HTMLProgressElement>('flash-bar');
  const phase = byId('flash-phase');
  const percent = byId('flash-percent');
  let file: File | undefined;
  /** The job this page started, followed until it ends. */
  let jobId: number | undefined;
  /** The newest job the event stream said has ended: it may end before its 202 answer is read. */
  let lastDone: JobRecord | undefined;
  let poll: number | undefined;

  const choose = (picked: File | undefined) => {
    file = picked;
    start.disabled = !file;
    dropText.textContent = file
      ? `${file.name} · ${formatBytes(file.size)}`
      : 'Choose a firmware file or drop it here';
    form.classList.toggle('is-bin', !!file && RAW_BINARY.test(file.name));
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

  const showProgress = (label: string, value: number) => {
    progressBox.hidden = false;
    phase.textContent = label;
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
    } else {
      showMessage(message, describeJob(job), 'error');
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
      return;
    }
    if (job.progress && (jobId === undefined || job.id === jobId)) {
      showProgress(`${job.id === jobId ? '' : `job ${job.id}: `}${job.progress.phase}`, job.progress.percent);
    }
  };
  events.addEventListener('progress', onEvent as EventListener);
  events.addEventListener('done', onEvent as EventListener);

  const checkJob = async (id: number) => {
    try {
      const job = await requestJson<JobRecord>('GET', `/api/flash/${id}`);
      if (job.state !== 'running') finish(job);
    } catch {
      // Offline for a moment: the status line says so; try again at the next tick.
    }
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
    const address = String(options.get('address') ?? '').trim();
    if (RAW_BINARY.test(file.name) && address) query.set('address', address);
    start.disabled = true;
    showMessage(message, `uploading ${file.name}…`);
    showProgress('upload', 0);

    // XMLHttpRequest rather than fetch: only it reports upload progress.
    const request = new XMLHttpRequest();
    request.open('POST', `/api/flash?${query}`);
    request.setRequestHeader('Content-Type', 'application/octet-stream');
    request.upload.onprogress = (progress) => {
      if (progress.lengthComputable) showProgress('upload', (100 * progress.loaded) / progress.total);
    };
    request.onload = () => {
      try {
        const job = parseAnswer<JobRecord>(request.status, request.responseText);
        jobId = job.id;
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
      } catch (error) {
        progressBox.hidden = true;
        start.disabled = false;
        showMessage(message, describeUploadError(error), 'error');
      }
    };
    request.onerror = () => {
      progressBox.hidden = true;
      start.disabled = false;
      showMessage(message, 'upload failed: the connection to the device was lost', 'error');
    };
    request.send(file);
  });
}

/** "line 12: record checksum … (HEX_CHECKSUM)" for a bad image, the server's message otherwise. */
export function describeUploadError(error: unknown): string {
  if (!(error instanceof ApiError)) return `upload failed: ${(error as Error).message}`;
  if (error.status === 409) return `another job is running: ${error.message}`;
  if (error.status === 413) return `the file is too large: ${error.message}`;
  // ImageError messages start with "line N: " or "offset N: " already; add it only when the server did not.
  const line = error.body['line'];
  const where = typeof line === 'number' && !error.message.startsWith('line ') ? `line ${line}: ` : '';
  return `${where}${error.message} (${error.code})`;
}
