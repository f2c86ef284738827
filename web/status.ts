/** The status card: GET /api/status every 2 s, and the target buttons (POST /api/target/reset|boot|run). */
import { ApiError, type JobRecord, requestJson, type Status } from './api.js';
import { byId, element, formatBytes, showMessage } from './dom.js';

/** How often the status is fetched, ms. */
const REFRESH_MS = 2000;

/** One line about a finished (or running) job, e.g. "ok: 3.0 KiB to STM32F103C8, verified by checksum". */
export function describeJob(job: JobRecord): string {
  if (job.state === 'running') {
    const progress = job.progress;
    return progress
      ? `job ${job.id} running: ${progress.phase} ${Math.round(progress.percent)}%`
      : `job ${job.id} running`;
  }
  if (job.state === 'failed') return `job ${job.id} failed: ${job.error?.message ?? 'unknown error'}`;
  const result = job.result;
  if (!result) return `job ${job.id} succeeded`;
  const verified = result.verified ? `, verified by ${result.verifyMethod}` : ', not verified';
  const seconds = (result.totalMs / 1000).toFixed(1);
  return `job ${job.id} ok: ${formatBytes(result.bytesWritten)} to ${result.chip.name}${verified} (${job.source}, ${seconds} s)`;
}

function render(status: Status): void {
  byId('device-name').textContent = status.name;
  document.title = `airboot · ${status.name}`;
  const state = byId('target-state');
  state.textContent = status.target.state;
  state.className = `badge state-${status.target.state}`;
  const chip = status.target.chip;
  byId('chip').textContent = chip
    ? `${chip.name} (PID 0x${chip.pid.toString(16).padStart(3, '0')}, ${formatBytes(chip.flashBytes)} flash)`
    : 'not identified yet';
  byId('uart').textContent = `${status.uart.baud} baud ${status.uart.format}`;
  const job = status.flash.running ?? status.flash.last;
  const last = byId('last-flash');
  last.textContent = job ? describeJob(job) : 'none yet';
  last.className = job?.state === 'failed' ? 'error' : job?.state === 'succeeded' ? 'ok' : '';
  byId('version').textContent = status.version;

  const rows = byId('clients').querySelector('tbody')!;
  rows.replaceChildren();
  for (const client of status.clients) {
    const row = element('tr');
    const cells = [
      String(client.id),
      client.kind,
      client.remote,
      formatBytes(client.toClientBytes),
      formatBytes(client.fromClientBytes),
      formatBytes(client.droppedBytes),
      formatBytes(client.refusedBytes),
    ];
    for (const text of cells) row.append(element('td', '', text));
    if (client.droppedBytes > 0) row.className = 'warn';
    rows.append(row);
  }
  if (status.clients.length === 0) {
    const row = element('tr');
    const cell = element('td', 'empty', 'no serial clients');
    cell.colSpan = 7;
    row.append(cell);
    rows.append(row);
  }
}

function setOnline(online: boolean): void {
  const badge = byId('link-state');
  badge.textContent = online ? 'online' : 'offline';
  badge.className = online ? 'badge state-running' : 'badge state-unknown';
}

/** Fetch the status now and then every REFRESH_MS; a failed fetch marks the page offline and tries again. */
export function startStatus(): { refresh(): Promise<void> } {
  let timer: number | undefined;
  const refresh = async () => {
    if (timer !== undefined) clearTimeout(timer);
    try {
      render(await requestJson<Status>('GET', '/api/status'));
      setOnline(true);
    } catch {
      setOnline(false);
    }
    timer = window.setTimeout(refresh, REFRESH_MS);
  };
  void refresh();

  const message = byId('target-message');
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-target-action]')) {
    button.addEventListener('click', async () => {
      const action = button.dataset['targetAction']!;
      button.disabled = true;
      showMessage(message, `${button.textContent}…`);
      try {
        const answer = await requestJson<{ message?: string }>('POST', `/api/target/${action}`);
        showMessage(message, answer?.message ?? 'done', 'ok');
      } catch (error) {
        const text =
          error instanceof ApiError ? error.message : `request failed: ${(error as Error).message}`;
        showMessage(message, text, 'error');
      } finally {
        button.disabled = false;
        void refresh();
      }
    });
  }
  return { refresh };
}
