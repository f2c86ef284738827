import type { JobRecord, ServiceStatus } from './api-types.js';

/** `airboot info --host H` as text: the service's GET /api/status, one topic per line. */
export function formatStatus(status: ServiceStatus, baseUrl: string): string {
  const chip = status.target.chip;
  const lines = [
    `service:     ${status.name} at ${baseUrl}, airboot ${status.version}`,
    `target:      ${status.target.state}`,
    `chip:        ${chip ? `${chip.name} (PID 0x${chip.pid.toString(16).padStart(3, '0')}, ${chip.flashBytes / 1024} KiB flash)` : 'not known yet (flash once, or `airboot boot`)'}`,
    `uart:        ${status.uart.baud} ${status.uart.format}`,
    `clients:     ${status.clients.length === 0 ? 'none' : status.clients.length}`,
  ];
  for (const client of status.clients) {
    const dropped = client.droppedBytes > 0 ? `, ${client.droppedBytes} B dropped` : '';
    lines.push(
      `  ${String(client.id).padEnd(4)} ${client.kind.padEnd(8)} ${client.remote}: ` +
        `${client.toClientBytes} B out, ${client.fromClientBytes} B in${dropped}`,
    );
  }
  if (status.flash.running) lines.push(`flashing:    ${describeJob(status.flash.running)}`);
  lines.push(
    `last flash:  ${status.flash.last ? describeJob(status.flash.last) : 'none since the service started'}`,
  );
  return `${lines.join('\n')}\n`;
}

/** One line about a flash job: id, source, state, and the outcome or progress. */
export function describeJob(job: JobRecord): string {
  const source = job.source ? ` ${job.source}` : '';
  if (job.state === 'running') {
    const progress = job.progress ? ` (${job.progress.phase} ${Math.round(job.progress.percent)}%)` : '';
    return `job ${job.id}${source}: running${progress}`;
  }
  if (job.state === 'failed')
    return `job ${job.id}${source}: failed — ${job.error?.message ?? 'no reason given'}`;
  const result = job.result;
  const verified = result?.verified ? 'verified' : 'NOT verified';
  const bytes = result ? `, ${result.bytesWritten} B written` : '';
  return `job ${job.id}${source}: succeeded${bytes}, ${verified}`;
}
