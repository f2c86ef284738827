/**
 * The status page: GET /api/status every 2 s (and at once when a flash job ends), shown in the page and handed to
 * the other parts through onStatus (the auth banner, the WiFi section, the terminal's baud); and the target buttons
 * (POST /api/target/reset|boot|run|identify).
 */
import { ApiError, type JobRecord, requestJson, type Status } from './api.js';
import { byId, element, formatBytes, formatMs, showMessage } from './dom.js';

/** How often the status is fetched, ms. */
const REFRESH_MS = 2000;

const listeners: Array<(status: Status) => void> = [];

/** Call `listener` with every status fetched from now on. */
export function onStatus(listener: (status: Status) => void): void {
  listeners.push(listener);
}

/** One line about a job, e.g. "job 3 ok: 8.0 KiB to STM32F10x medium density, verified by read-back (app.hex, 2.2 s)". */
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
  return `job ${job.id} ok: ${formatBytes(result.bytesWritten)} to ${result.chip.name}${verified} (${job.source}, ${formatMs(result.totalMs)})`;
}

function render(status: Status): void {
  byId('device-name').textContent = status.name;
  document.title = `airboot · ${status.name}`;
  const stateClass = `badge state-${status.target.state}`;
  const state = byId('target-state');
  state.textContent = status.target.state;
  state.className = stateClass;
  const header = byId('header-target');
  header.textContent = `target ${status.target.state}`;
  header.className = stateClass;
  const chip = status.target.chip;
  byId('chip').textContent = chip
    ? `${chip.name} (PID 0x${chip.pid.toString(16).padStart(3, '0')})`
    : 'not identified yet (flash once to identify it)';
  byId('flash-size').textContent = chip ? formatBytes(chip.flashBytes) : '—';
  const bootloader = status.target.bootloaderVersion;
  byId('bootloader-version').textContent = bootloader ? `v${bootloader}` : '—';
  byId('uart').textContent = `${status.uart.baud} baud ${status.uart.format}`;
  const job = status.flash.running ?? status.flash.last;
  const last = byId('last-flash');
  last.textContent = job ? describeJob(job) : 'none yet';
  last.className = job?.state === 'failed' ? 'error' : job?.state === 'succeeded' ? 'ok' : '';
  const platform = status.runtime?.platform === 'device' ? 'device' : 'Node.js';
  byId('version').textContent = `airboot ${status.version} on ${platform}`;

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
      const status = await requestJson<Status>('GET', '/api/status');
      render(status);
      setOnline(true);
      for (const listener of listeners) listener(status);
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
        const answer = await requestJson<TargetAnswer>('POST', `/api/target/${action}`);
        showMessage(message, describeAnswer(answer), 'ok');
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

/** What a target action answers: a message (reset, boot, run) or the chip found (identify). */
interface TargetAnswer {
  message?: string;
  chip?: { name: string; pid: number; flashBytes: number };
  bootloaderVersion?: string;
}

function describeAnswer(answer: TargetAnswer | undefined): string {
  if (answer?.chip) {
    return `${answer.chip.name}, ${answer.chip.flashBytes / 1024} KiB flash, bootloader v${answer.bootloaderVersion}`;
  }
  return answer?.message ?? 'done';
}
