/**
 * Flash jobs, the safe way (docs/architecture.md "Flashing"): one at a time; the image is complete and checked
 * before the target is touched; the UART is taken from the network clients (they are told and their input is held
 * back), the chip enters its ROM bootloader, is flashed and verified, and is handed back running its application
 * with the application's UART settings. The last results are kept for the status API.
 */
import { ByteChannel } from '../io/byte-channel.js';
import type { Log, Timer, UartSettings } from '../io/contracts.js';
import { silentLog } from '../io/contracts.js';
import { AirbootError } from '../io/errors.js';
import { Bootloader } from '../stm32/bootloader.js';
import { CancelToken } from '../stm32/cancel.js';
import type { FlashOptions, FlashProgress, FlashResult } from '../stm32/flasher.js';
import { flash } from '../stm32/flasher.js';
import type { FlashImage } from '../stm32/image-view.js';
import type { TargetControl } from './target.js';
import type { UartHub } from './uart-hub.js';

/** AN3155 §2: 8 data bits, even parity, 1 stop bit. */
export function bootloaderSettings(baud: number): UartSettings {
  return { baud, dataBits: 8, parity: 'even', stopBits: 1 };
}

/** Another job holds the target (HTTP 409). */
export class BusyError extends AirbootError {
  constructor(readonly jobId: number) {
    super('BUSY', `flash job ${jobId} is still running; wait for it to finish`);
  }
}

export type JobState = 'running' | 'succeeded' | 'failed';

/** What the API shows of a job. */
export interface FlashJobRecord {
  id: number;
  state: JobState;
  /** Where the image came from (file name, "upload"). */
  source: string;
  imageBytes: number;
  progress: FlashProgress | undefined;
  result: FlashResult | undefined;
  error: { code: string; message: string } | undefined;
  startedAt: number;
  endedAt: number | undefined;
}

export type JobOptions = Pick<FlashOptions, 'verify' | 'go' | 'skipUnchanged' | 'eraseAll' | 'unprotect'>;

export interface FlashServiceOptions {
  hub: UartHub;
  target: TargetControl;
  timer: Timer;
  /** Bootloader UART speed. Default 115200 (AN3155 tests up to 115200). */
  bootloaderBaud?: number;
  /** Results kept for /api/status and /api/flash/{id}. Default 10. */
  keep?: number;
  /**
   * Called when a job has handed the chip back running its application and the UART back to the clients, whoever
   * started the job (API, CLI, a test): e.g. HubControlTarget.markRunning, so a `boot` before the job no longer
   * shows as the target's state nor holds the UART at 8E1.
   */
  afterJob?: () => void;
  log?: Log;
}

export class FlashService {
  private readonly jobs: FlashJobRecord[] = [];
  private nextId = 1;
  private current: { record: FlashJobRecord; cancel: CancelToken } | undefined;
  private readonly listeners = new Set<(record: FlashJobRecord) => void>();
  private readonly log: Log;

  constructor(private readonly options: FlashServiceOptions) {
    this.log = options.log ?? silentLog;
  }

  /** The running job, if any. */
  get running(): FlashJobRecord | undefined {
    return this.current?.record;
  }

  /** Kept jobs, newest last. */
  get history(): readonly FlashJobRecord[] {
    return this.jobs;
  }

  job(id: number): FlashJobRecord | undefined {
    return this.jobs.find((job) => job.id === id);
  }

  /** Hear every progress step and the end of every job. Returns the unsubscribe function. */
  subscribe(listener: (record: FlashJobRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop the running job at the next exchange; the chip stays in a state a new job recovers from. */
  cancel(): boolean {
    if (!this.current) return false;
    this.current.cancel.cancel();
    return true;
  }

  /**
   * Start a job now and return its record at once (`done` settles when it ends, never rejects). Throws BusyError
   * while another job runs.
   */
  start(
    image: FlashImage & { readonly size: number },
    source: string,
    jobOptions: JobOptions = {},
  ): {
    record: FlashJobRecord;
    done: Promise<FlashJobRecord>;
  } {
    if (this.current) throw new BusyError(this.current.record.id);
    const record: FlashJobRecord = {
      id: this.nextId++,
      state: 'running',
      source,
      imageBytes: image.size,
      progress: undefined,
      result: undefined,
      error: undefined,
      startedAt: this.options.timer.now(),
      endedAt: undefined,
    };
    const cancel = new CancelToken();
    this.current = { record, cancel };
    this.jobs.push(record);
    while (this.jobs.length > (this.options.keep ?? 10)) this.jobs.shift();
    const done = this.execute(record, image, jobOptions, cancel).then(() => {
      record.endedAt = this.options.timer.now();
      this.current = undefined;
      this.options.afterJob?.();
      this.emit(record);
      return record;
    });
    return { record, done };
  }

  private async execute(
    record: FlashJobRecord,
    image: FlashImage,
    jobOptions: JobOptions,
    cancel: CancelToken,
  ) {
    const { hub, target, timer } = this.options;
    const lease = hub.acquire(`flash job ${record.id}`);
    let channel: ByteChannel | undefined;
    try {
      await target.enterBootloader();
      const baud = this.options.bootloaderBaud ?? 115200;
      channel = new ByteChannel(lease.provider, bootloaderSettings(baud), timer);
      const bootloader = new Bootloader(channel, timer, { baud, log: this.log });
      record.result = await flash(bootloader, image, {
        ...jobOptions,
        cancel,
        timer,
        log: this.log,
        onProgress: (progress) => {
          record.progress = progress;
          this.emit(record);
        },
      });
      record.state = 'succeeded';
      this.log(
        'info',
        `flash job ${record.id}: ${record.result.bytesWritten} bytes written and ${record.result.verifyMethod} verified`,
      );
    } catch (error) {
      record.state = 'failed';
      const failure = error as { code?: string; message?: string };
      record.error = { code: failure.code ?? 'INTERNAL', message: failure.message ?? String(error) };
      this.log('error', `flash job ${record.id} failed: ${record.error.message}`);
    } finally {
      channel?.close();
      // After Go the application already runs: only BOOT0 goes low, so the next reset runs it too.
      if (record.state === 'succeeded' && jobOptions.go) target.release();
      else await target.runApplication().catch(() => undefined);
      lease.release();
    }
  }

  private emit(record: FlashJobRecord): void {
    for (const listener of this.listeners) listener(record);
  }
}
