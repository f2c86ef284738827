import type { ImageFormat } from '../../image/index.js';
import type { ProgressDisplay } from '../progress.js';
import { ApiClient } from './api-client.js';
import type { RemoteFlashResult } from './api-types.js';
import { RemoteJobError } from './errors.js';
import { type RemoteFlashOptions, runRemoteFlashJob } from './flash-job.js';
import type { RemoteHost } from './host.js';

/** A file already read and parsed locally, ready to upload. */
export interface LocalImage {
  file: string;
  bytes: Uint8Array;
  format: ImageFormat;
  /** Data bytes of the parsed image. */
  imageBytes: number;
}

/** What `airboot flash --host … --json` prints: the service's result plus where and which job. */
export interface RemoteFlashReport extends RemoteFlashResult {
  ok: true;
  file: string;
  format: string;
  imageBytes: number;
  /** `http://host:port` of the service. */
  host: string;
  jobId: string;
  /** 'go' when the application was started with Go; otherwise the service put the target back as it runs. */
  left: 'go' | 'service';
}

/**
 * Flash through a running service and check the outcome: a failed job becomes a RemoteJobError carrying the
 * service's error code (VERIFY → exit 5, TIMEOUT → 4, …); a job that ended without verification when verification
 * was asked for is a VERIFY failure too.
 */
export async function flashViaService(
  host: RemoteHost,
  image: LocalImage,
  options: Omit<RemoteFlashOptions, 'name'>,
  progress: ProgressDisplay,
): Promise<RemoteFlashReport> {
  const client = new ApiClient(host);
  const name = image.file.split(/[\\/]/).pop() ?? image.file;
  let record: Awaited<ReturnType<typeof runRemoteFlashJob>>;
  try {
    record = await runRemoteFlashJob(client, image.bytes, { ...options, name }, progress);
  } finally {
    progress.finish();
  }
  const jobId = String(record.id);
  if (record.state !== 'succeeded' || !record.result) {
    const error = record.error ?? { code: 'REMOTE_JOB', message: `the job ended in state '${record.state}'` };
    throw new RemoteJobError(
      error.code,
      `flash job ${jobId} on ${host.baseUrl} failed: ${error.message}`,
      jobId,
    );
  }
  if (options.verify && !record.result.verified) {
    throw new RemoteJobError(
      'VERIFY',
      `flash job ${jobId} on ${host.baseUrl} wrote the image but did not verify it (method: ${record.result.verifyMethod})`,
      jobId,
    );
  }
  return {
    ok: true,
    file: image.file,
    format: image.format,
    imageBytes: image.imageBytes,
    host: host.baseUrl,
    jobId,
    ...record.result,
    left: options.go ? 'go' : 'service',
  };
}

/** The human-readable result of a remote flash. */
export function remoteSummary(report: RemoteFlashReport): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const size = (bytes: number) => (bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`);
  const phases = Object.entries(report.phases ?? {})
    .filter(([, ms]) => ms > 0)
    .map(([phase, ms]) => `${phase} ${seconds(ms)}`)
    .join(', ');
  const verified = report.verified ? `verified (${report.verifyMethod})` : 'NOT verified';
  const how =
    report.compareMethod && report.compareMethod !== 'none' ? ` (compared by ${report.compareMethod})` : '';
  const skipped = report.unitsSkipped > 0 || how ? `, ${report.unitsSkipped} unchanged skipped${how}` : '';
  return (
    `${report.chip.name} via ${report.host} (job ${report.jobId}): wrote ${size(report.bytesWritten)}, ` +
    `erased ${report.unitsErased} unit(s)${skipped}, ${verified} in ${seconds(report.totalMs)}` +
    `${phases ? ` (${phases})` : ''}\n` +
    (report.left === 'go' ? 'started the application (Go)\n' : '')
  );
}
