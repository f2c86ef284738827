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
import { identify } from '../stm32/identify.js';
import type { FlashImage } from '../stm32/image-view.js';
import type { TargetControl } from './target.js';
import type { UartHub } from './uart-hub.js';

/** AN3155 §2: 8 data bits, even parity, 1 stop bit. */
export function bootloaderSettings(baud: number): UartSettings {
  return { baud, dataBits: 8, parity: 'even', stopBits: 1 };
}

/** Another job holds the target (HTTP 409). `jobId` is null while the chip is being identified. */
export class BusyError extends AirbootError {
  constructor(readonly jobId: number | null) {
    super(
      'BUSY',
      jobId === null
        ? 'the chip is being identified; try again in a moment'
        : `flash job ${jobId} is still running; wait for it to finish`,
    );
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** What the newest flash job or identify() learned of the chip behind the UART. */
export interface KnownTarget {
  chip: FlashResult['chip'];
  /** AN3155 §3.1: major version in the high nibble (0x22 = 2.2). */
  bootloaderVersion: number;
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

export type JobOptions = Pick<
  FlashOptions,
  'verify' | 'go' | 'skipUnchanged' | 'ramCrc' | 'eraseAll' | 'unprotect'
>;

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
  private identifying = false;
  private knownTarget: KnownTarget | undefined;

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

  /** The chip the newest successful flash job or identify() found, if any. */
  get known(): KnownTarget | undefined {
    return this.knownTarget;
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
    this.refuseWhileBusy();
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

  /**
   * Put the chip in its bootloader, identify it (Get, Get ID, flash size: stm32/identify.ts) and hand it back
   * running its application: what the status shows before anything was flashed. Takes the UART from the clients
   * like a flash job (they are told) and is refused (BusyError) while a job runs, as a job is while this runs.
   */
  async identify(): Promise<KnownTarget> {
    this.refuseWhileBusy();
    this.identifying = true;
    try {
      const found = await this.inBootloader('identify', async (bootloader) => {
        const target = await identify(bootloader, { log: this.log });
        return {
          chip: { pid: target.chip.pid, name: target.chip.name, flashBytes: target.flashBytes },
          bootloaderVersion: target.bootloaderVersion,
        };
      });
      if (!found.ok) throw found.error;
      this.knownTarget = found.value;
      const { chip, bootloaderVersion } = found.value;
      const version = `${bootloaderVersion >> 4}.${bootloaderVersion & 0xf}`;
      this.log('info', `target: ${chip.name}, ${chip.flashBytes / 1024} KiB flash, bootloader ${version}`);
      return found.value;
    } finally {
      this.identifying = false;
      this.options.afterJob?.();
    }
  }

  private refuseWhileBusy(): void {
    if (this.current) throw new BusyError(this.current.record.id);
    if (this.identifying) throw new BusyError(null);
  }

  private async execute(
    record: FlashJobRecord,
    image: FlashImage,
    jobOptions: JobOptions,
    cancel: CancelToken,
  ) {
    const outcome = await this.inBootloader(
      `flash job ${record.id}`,
      (bootloader, reenterBootloader) =>
        flash(bootloader, image, {
          ...jobOptions,
          reenterBootloader,
          cancel,
          timer: this.options.timer,
          log: this.log,
          onProgress: (progress) => {
            record.progress = progress;
            this.emit(record);
          },
        }),
      // After Go the application already runs: only BOOT0 goes low, so the next reset runs it too.
      jobOptions.go === true,
    );
    if (outcome.ok) {
      record.result = outcome.value;
      record.state = 'succeeded';
      this.knownTarget = {
        chip: { ...outcome.value.chip },
        bootloaderVersion: outcome.value.bootloaderVersion,
      };
      this.log(
        'info',
        `flash job ${record.id}: ${record.result.bytesWritten} bytes written and ${record.result.verifyMethod} verified`,
      );
    } else {
      record.state = 'failed';
      const failure = outcome.error as { code?: string; message?: string };
      record.error = { code: failure.code ?? 'INTERNAL', message: failure.message ?? String(outcome.error) };
      this.log('error', `flash job ${record.id} failed: ${record.error.message}`);
    }
  }

  /**
   * Take the UART from the clients (`purpose` is what they are told), put the chip in its bootloader, run `work`
   * on it, and hand the chip back running its application — whatever `work` did. Never rejects: the outcome says.
   * @param startedApplication work ended with Go (AN3155 §3.8): on success only BOOT0 is released, no reset.
   */
  private async inBootloader<T>(
    purpose: string,
    /** `reenterBootloader` is there when BOOT0 and NRST are both wired: the way back if code in RAM fails. */
    work: (bootloader: Bootloader, reenterBootloader?: () => Promise<void>) => Promise<T>,
    startedApplication = false,
  ): Promise<Outcome<T>> {
    const { hub, target, timer } = this.options;
    const lease = hub.acquire(purpose);
    let channel: ByteChannel | undefined;
    let outcome: Outcome<T>;
    try {
      const action = await target.enterBootloader();
      const reenter =
        action.reset && action.bootSelected
          ? async () => {
              await target.enterBootloader();
            }
          : undefined;
      const baud = this.options.bootloaderBaud ?? 115200;
      channel = new ByteChannel(lease.provider, bootloaderSettings(baud), timer);
      outcome = {
        ok: true,
        value: await work(new Bootloader(channel, timer, { baud, log: this.log }), reenter),
      };
    } catch (error) {
      outcome = { ok: false, error };
    }
    channel?.close();
    if (outcome.ok && startedApplication) target.release();
    else await target.runApplication().catch(() => undefined);
    lease.release();
    return outcome;
  }

  private emit(record: FlashJobRecord): void {
    for (const listener of this.listeners) listener(record);
  }
}
