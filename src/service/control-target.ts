/**
 * What the control port (and later the HTTP API) acts on: the target's state and pins, and the UART settings.
 * `ControlTarget` is the interface the control port needs; `HubControlTarget` implements it over the UartHub and
 * the BOOT0/NRST lines (TargetControl), which is all the wiring a runtime has to provide.
 */
import type { Digital, UartSettings } from '../io/contracts.js';
import { formatName } from '../io/contracts.js';
import { AirbootError } from '../io/errors.js';
import type { TargetControl } from './target.js';
import type { UartHub } from './uart-hub.js';

/** The character format part of UartSettings. */
export type UartFormatSettings = Omit<UartSettings, 'baud'>;

/** The bootloader's character format: 8 data bits, even parity, 1 stop bit (AN3155 §1). */
const BOOTLOADER_FORMAT: UartFormatSettings = { dataBits: 8, parity: 'even', stopBits: 1 };

/** 'running': the application; 'bootloader': the ROM bootloader held by BOOT0; 'flashing': a flash job has it. */
export type TargetState = 'running' | 'bootloader' | 'flashing' | 'unknown';

export interface ControlStatus {
  state: TargetState;
  uart: UartSettings;
  /** Network clients attached to the UART now (raw, RFC 2217, WebSocket). */
  clients: number;
  /** UART output the clients could not take, bytes, summed over the clients attached now. */
  droppedBytes: number;
  /** One line about the last flash job, when there was one. */
  lastFlash?: string;
}

/** The operations behind the control port's commands; each returns the text that follows `OK`. */
export interface ControlTarget {
  status(): ControlStatus;
  reset(): Promise<string>;
  /** Enter the ROM bootloader and stay there: BOOT0 high, pulse NRST, UART to 8E1 (AN3155 §1). */
  boot(): Promise<string>;
  /** Back to the application: BOOT0 low, reset, UART back to the application's settings. */
  run(): Promise<string>;
  setBaud(baud: number): string;
  /**
   * A flash job has handed the chip back running its application: forget a `boot` state and put the UART back to
   * the application's settings (the job reopened it with whatever the hub had before). Optional: only a target
   * that keeps state needs it.
   */
  markRunning?(): void;
  setFormat(format: UartFormatSettings): string;
  /** BOOT0 and NRST wiring and levels, one line. */
  pins(): string;
  readonly version: string;
}

/** A flash job holds the UART: the control port must not pull the pins from under it. */
export class TargetBusyError extends AirbootError {
  constructor(readonly purpose: string) {
    super('TARGET_BUSY', `the target is busy (${purpose}); try again when it has finished`);
  }
}

export interface HubControlTargetOptions {
  hub: UartHub;
  target: TargetControl;
  /** The airboot version `version` reports. */
  version: string;
  /** The application's UART settings, restored by `run`. Default: the hub's settings when constructed. */
  appSettings?: UartSettings;
  /** Speed the bootloader is talked to at after `boot`, bits/s. Default: the application's baud. */
  bootloaderBaud?: number;
  /** The BOOT0 and NRST lines, to show their levels in `pins` (absent: not wired). */
  boot0?: Digital;
  nrst?: Digital;
  /** How the lines are wired, shown by `pins`, e.g. 'BOOT0=DTR NRST=RTS' or 'GPIO4/GPIO5'. */
  wiring?: string;
  /** One line about the last flash job (e.g. from FlashService.history); undefined when none ran. */
  lastFlash?: () => string | undefined;
}

export class HubControlTarget implements ControlTarget {
  readonly version: string;
  private appSettings: UartSettings;
  private state: 'running' | 'bootloader' | 'unknown' = 'running';

  constructor(private readonly options: HubControlTargetOptions) {
    this.version = options.version;
    this.appSettings = { ...(options.appSettings ?? options.hub.settings) };
  }

  status(): ControlStatus {
    const hub = this.options.hub;
    const clients = hub.clients;
    return {
      state: hub.takenFor ? 'flashing' : this.state,
      uart: hub.settings,
      clients: clients.length,
      droppedBytes: clients.reduce((sum, client) => sum + client.droppedBytes, 0),
      lastFlash: this.options.lastFlash?.(),
    };
  }

  async reset(): Promise<string> {
    this.notBusy();
    const action = await this.options.target.reset();
    if (!action.reset) return 'NRST is not wired: press the reset button';
    return `target reset (${this.state})`;
  }

  async boot(): Promise<string> {
    this.notBusy();
    const baud = this.options.bootloaderBaud ?? this.appSettings.baud;
    const settings = { baud, ...BOOTLOADER_FORMAT };
    // The UART changes before the reset so that the bootloader's first byte is read with the right format.
    this.options.hub.configure(settings);
    const action = await this.options.target.enterBootloader();
    this.state = 'bootloader';
    return `bootloader, UART ${baud} ${formatName(settings)}${manualSteps(action.bootSelected, action.reset, 'high')}`;
  }

  async run(): Promise<string> {
    this.notBusy();
    // Back to the application's format first, so its start-up banner arrives readable.
    this.options.hub.configure(this.appSettings);
    const action = await this.options.target.runApplication();
    this.state = 'running';
    return `application running, UART ${this.appSettings.baud} ${formatName(this.appSettings)}${manualSteps(
      action.bootSelected,
      action.reset,
      'low',
    )}`;
  }

  markRunning(): void {
    this.state = 'running';
    const now = this.options.hub.settings;
    const app = this.appSettings;
    const same =
      now.baud === app.baud &&
      now.dataBits === app.dataBits &&
      now.parity === app.parity &&
      now.stopBits === app.stopBits;
    if (!same) this.options.hub.configure(app);
  }

  setBaud(baud: number): string {
    return this.apply({ ...this.options.hub.settings, baud });
  }

  setFormat(format: UartFormatSettings): string {
    return this.apply({ ...format, baud: this.options.hub.settings.baud });
  }

  pins(): string {
    const line = (name: string, digital: Digital | undefined, wired: boolean) =>
      `${name}=${digital ? digital.read() : wired ? 'wired' : 'not-wired'}`;
    const target = this.options.target;
    const text = `${line('BOOT0', this.options.boot0, target.canSelectBoot)} ${line('NRST', this.options.nrst, target.canReset)}`;
    return this.options.wiring ? `${text} (${this.options.wiring})` : text;
  }

  /** Change the UART now; while the application runs this is also what `run` restores. Never persisted here. */
  private apply(settings: UartSettings): string {
    this.notBusy();
    this.options.hub.configure(settings);
    if (this.state === 'running') this.appSettings = { ...settings };
    return `UART ${settings.baud} ${formatName(settings)}`;
  }

  private notBusy(): void {
    const purpose = this.options.hub.takenFor;
    if (purpose) throw new TargetBusyError(purpose);
  }
}

/** What the person still has to do by hand when a line is not wired. */
function manualSteps(bootSelected: boolean, reset: boolean, boot0: 'high' | 'low'): string {
  const steps: string[] = [];
  if (!bootSelected) steps.push(`BOOT0 is not wired: set it ${boot0}`);
  if (!reset) steps.push('NRST is not wired: press reset');
  return steps.length > 0 ? ` (${steps.join('; ')})` : '';
}
