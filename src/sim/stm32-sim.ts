/**
 * A simulated STM32 behind the same contracts as a real one: a UART (Serial), and BOOT0 / NRST inputs. After NRST
 * is released it samples BOOT0 (AN2606 "boot configuration"): 1 starts the ROM bootloader (AN3155, see
 * system-bootloader.ts) after its start-up time, 0 runs the application in flash (demo-app.ts). Time comes only
 * from the injected Timer, so tests run it on a VirtualClock.
 */

import { stm32Crc32 } from '../image/crc32.js';
import type { Log, Serial, SerialProvider, Timer, TimerHandle, UartSettings } from '../io/contracts.js';
import { bitsPerCharacter, silentLog, UART_8N1 } from '../io/contracts.js';
import { AirbootError } from '../io/errors.js';
import type { ChipInfo, ChipModel } from '../stm32/chips.js';
import { chipByPid, MODELS, modelByName } from '../stm32/chips.js';
import { RamProgram } from './cortex/ram-program.js';
import { DemoApp } from './demo-app.js';
import { FaultPlan } from './faults.js';
import type { SimPin } from './pins.js';
import { InputPin } from './pins.js';
import { SimFlash } from './sim-flash.js';
import type { BootloaderPort, SimStats } from './system-bootloader.js';
import { emptyStats, SystemBootloader } from './system-bootloader.js';

export type { SimPin } from './pins.js';
export { hostOutput } from './pins.js';
export type { SimStats } from './system-bootloader.js';

/** The bootloader's character format: 8 data bits, even parity, 1 stop bit (AN3155 §1). */
const BOOTLOADER_FORMAT = { dataBits: 8, parity: 'even', stopBits: 1 } as const;

export interface SimulatedStm32Options {
  /** Part name (e.g. 'F103C8', see MODELS in src/stm32/chips.ts) or a ChipModel. */
  model: string | ChipModel;
  timer: Timer;
  /** The chip's side of the UART, e.g. `new SerialLink(timer, { timing }).b`. */
  serial: SerialProvider;
  /** Apply start-up, programming and erase times (default true). Wire time is the link's business. */
  timing?: boolean;
  /**
   * 'pins' (default): the BOOT0 level at NRST release decides. 'bootloader' / 'app': as if BOOT0 were tied high /
   * low, for setups without modem lines.
   */
  start?: 'pins' | 'bootloader' | 'app';
  /**
   * Autobaud measurement: the baud of the bytes now arriving. The real chip times the edges of 0x7F; the
   * simulator asks the wire, e.g. `() => link.settings('a')?.baud`. Without it the bootloader listens at
   * `bootloaderBaud`.
   */
  autobaud?: () => number | undefined;
  /** Baud the bootloader listens at before (or without) autobaud. Default 115200. */
  bootloaderBaud?: number;
  /** UART settings of the application. Default 115200 8N1. */
  appSettings?: UartSettings;
  log?: Log;
}

export type SimMode = 'reset' | 'bootloader' | 'app';

/** The model name is not one the simulator knows. */
export class UnknownModelError extends AirbootError {
  constructor(readonly requested: string) {
    super(
      'UNKNOWN_MODEL',
      `no simulated STM32 called '${requested}'; known models: ${MODELS.map((m) => m.name).join(', ')}`,
    );
  }
}

export class SimulatedStm32 {
  readonly chip: ChipInfo;
  readonly model: ChipModel;
  readonly flash: SimFlash;
  readonly faults = new FaultPlan();
  readonly stats: SimStats = emptyStats();
  /** BOOT0: sampled when NRST is released. */
  readonly boot0: SimPin;
  /** NRST: low holds the chip in reset; the rising edge starts it. Released (1) by its pull-up. */
  readonly nrst: SimPin;
  private readonly timer: Timer;
  private readonly timing: boolean;
  private readonly start: 'pins' | 'bootloader' | 'app';
  private readonly log: Log;
  private readonly appSettings: UartSettings;
  private readonly bootloaderBaud: number;
  private readonly serial: Serial;
  private readonly port: BootloaderPort;
  private line: UartSettings;
  private powered = false;
  private currentMode: SimMode = 'reset';
  private bootloader: SystemBootloader | undefined;
  private app: DemoApp | undefined;
  /** Code the host started in RAM (Go to a RAM address), run by the Thumb core (src/sim/cortex). */
  private program: RamProgram | undefined;
  /** Timers of the chip (start-up, held answers, post-answer actions); all cancelled by a reset. At most a few. */
  private readonly timers = new Set<TimerHandle>();
  /** When the transmitter has sent everything handed to it so far (timer ms), by the chip's own estimate. */
  private txFreeAt = 0;
  /** Answers held back by a delay fault leave no earlier than this (keeps answers in order). */
  private holdUntil = 0;

  constructor(private readonly options: SimulatedStm32Options) {
    const model = typeof options.model === 'string' ? modelByName(options.model) : options.model;
    if (!model) throw new UnknownModelError(String(options.model));
    this.model = model;
    this.chip = chipByPid(model.pid);
    this.flash = new SimFlash(this.chip, model);
    this.timer = options.timer;
    this.timing = options.timing ?? true;
    this.start = options.start ?? 'pins';
    this.log = options.log ?? silentLog;
    this.appSettings = { ...(options.appSettings ?? UART_8N1) };
    this.bootloaderBaud = options.bootloaderBaud ?? 115200;
    this.boot0 = new InputPin('BOOT0', 0, () => {});
    this.nrst = new InputPin('NRST', 1, (level) => this.onNrst(level));
    this.line = { baud: this.bootloaderBaud, ...BOOTLOADER_FORMAT };
    this.port = this.makePort();
    this.serial = options.serial({
      ...this.line,
      onReadable: () => this.onReadable(),
      onError: (error) => this.log('warn', `sim ${this.model.name}: UART failed: ${error.message}`),
    });
  }

  get mode(): SimMode {
    return this.currentMode;
  }

  /** RDP level 1 (or 2) in force. */
  get readoutProtected(): boolean {
    return this.flash.readoutLevel > 0;
  }

  /** Power-on: as if NRST were released with the current BOOT0 level (or as `start` says). */
  powerOn(): void {
    this.powered = true;
    this.enterReset();
    if (this.nrst.level === 1) this.boot();
  }

  /** Power off and release the UART. */
  close(): void {
    this.enterReset();
    this.powered = false;
    this.serial.close();
  }

  /** stm32Crc32 over the whole main flash: what the demo application prints in its banner. */
  appCrc(): number {
    return stm32Crc32(this.flash.view(this.flash.base, this.flash.size));
  }

  private onNrst(level: 0 | 1): void {
    if (!this.powered) return;
    this.enterReset();
    if (level === 1) this.boot();
  }

  private enterReset(): void {
    this.bootloader?.stop();
    this.bootloader = undefined;
    this.app = undefined;
    this.program?.stop();
    this.program = undefined;
    for (const handle of this.timers) this.timer.clear(handle);
    this.timers.clear();
    this.holdUntil = 0;
    this.currentMode = 'reset';
  }

  /** Leave reset: load the option bytes, sample BOOT0, start the bootloader or the application. */
  private boot(): void {
    this.stats.resets++;
    this.flash.reloadOptions();
    const bootFromSystemMemory = this.start === 'pins' ? this.boot0.level === 1 : this.start === 'bootloader';
    // RDP level 2 disables boot from system memory for good (RM0090 §3.6.3 and peers).
    if (bootFromSystemMemory && this.flash.readoutLevel !== 2) this.startBootloader();
    else this.startApp(this.flash.base);
  }

  private startBootloader(): void {
    this.currentMode = 'bootloader';
    this.app = undefined;
    this.configure({ baud: this.bootloaderBaud, ...BOOTLOADER_FORMAT });
    const listen = () => {
      this.bootloader = new SystemBootloader(this.port);
      // Autobaud (AN3155 §2): a real chip decodes the first 0x7F at whatever speed it comes. The simulator's UART
      // needs a speed before the byte arrives, so it takes the sender's now; a later change costs one sync.
      this.adoptSenderBaud();
    };
    const startMs = this.timing ? this.chip.timing.bootloaderStartMs : 0;
    if (startMs > 0) this.later(startMs, listen);
    else listen();
  }

  /**
   * Run code from `vectorAddress` (flash base after reset, the Go address after Go). Code in RAM runs on the Thumb
   * core (src/sim/cortex) with a model of the F1's registers. Code in flash is not executed: a vector table that is
   * still erased (0xFF) means a real core would fault and stay silent; anything else runs the demo application.
   */
  private startApp(vectorAddress: number): void {
    this.bootloader?.stop();
    this.bootloader = undefined;
    this.currentMode = 'app';
    if (this.flash.region(vectorAddress, 8)?.kind === 'ram') {
      this.startRamProgram(vectorAddress);
      return;
    }
    this.configure(this.appSettings);
    const vector = this.flash.region(vectorAddress, 8) ? this.flash.view(vectorAddress, 8) : undefined;
    if (!vector || vector.every((byte) => byte === 0xff)) {
      this.log('info', `sim ${this.model.name}: no application at 0x${vectorAddress.toString(16)} (erased)`);
      this.app = undefined;
      return;
    }
    this.app = new DemoApp({
      chipName: `STM32${this.model.name}`,
      flashBytes: this.flash.size,
      flashCrc: this.appCrc(),
      send: (bytes) => this.send(bytes),
      onEnterBootloader: () => this.startBootloader(),
    });
    this.app.start();
  }

  private startRamProgram(vectorAddress: number): void {
    this.app = undefined;
    if (this.chip.family !== 'F1') {
      // A real core would run it; without a model of this family's peripherals the simulator cannot, so it stays silent.
      this.log(
        'info',
        `sim ${this.model.name}: no peripheral model for the ${this.chip.family} family: the program in RAM does not run`,
      );
      return;
    }
    this.program = new RamProgram(
      {
        flash: this.flash,
        timing: this.timing,
        log: this.log,
        name: `sim ${this.model.name}`,
        later: (ms, action) => this.later(ms, action),
        send: (byte, settings) => {
          if (!sameLine(settings, this.line)) this.configure(settings);
          this.send(Uint8Array.of(byte));
        },
        systemReset: () => {
          this.enterReset();
          this.boot();
        },
      },
      vectorAddress,
    );
    this.program.start();
  }

  private makePort(): BootloaderPort {
    return {
      chip: this.chip,
      flash: this.flash,
      faults: this.faults,
      stats: this.stats,
      timer: this.timer,
      timing: this.timing,
      log: this.log,
      send: (bytes, then) => this.send(bytes, then),
      adoptSenderBaud: () => this.adoptSenderBaud(),
      systemReset: () => {
        this.enterReset();
        this.boot();
      },
      go: (address) => this.startApp(address),
    };
  }

  /** AN3155 §2: the host/chip clock deviation must stay under 2.5 %; beyond it the byte was garbled. */
  private adoptSenderBaud(): boolean {
    const measured = this.options.autobaud?.();
    if (measured === undefined || Math.abs(measured - this.line.baud) <= measured * 0.025) return false;
    this.configure({ ...this.line, baud: measured });
    return true;
  }

  private configure(settings: UartSettings): void {
    this.line = { ...settings };
    this.serial.configure(this.line);
  }

  private onReadable(): void {
    for (;;) {
      const chunk = this.serial.read();
      if (!chunk || chunk.length === 0) return;
      for (let i = 0; i < chunk.length; i++) this.receive(chunk[i]!);
    }
  }

  private receive(byte: number): void {
    if (this.currentMode === 'bootloader' && this.bootloader) this.bootloader.receive(byte);
    else if (this.currentMode === 'app' && this.app) this.app.receiveByte(byte);
    else this.stats.ignoredBytes++;
  }

  /** Send an answer through the fault plan; `then` runs once it has left the wire (by the chip's estimate). */
  private send(answer: Uint8Array, then?: () => void): void {
    if (this.currentMode === 'reset') return;
    const { bytes, delayMs } = this.faults.shape(answer);
    const now = this.timer.now();
    const at = Math.max(now + delayMs, this.holdUntil);
    if (at > now) {
      this.holdUntil = at;
      this.later(at - now, () => this.transmit(bytes, then));
    } else {
      this.transmit(bytes, then);
    }
  }

  private transmit(bytes: Uint8Array, then?: () => void): void {
    const now = this.timer.now();
    if (bytes.length > 0) {
      try {
        this.serial.write(bytes);
        // Without timing the chip answers as fast as it can and takes its bytes as gone at once: an estimate of
        // wire time would only add up while the (untimed) cable delivers everything instantly.
        const wireMs = this.timing ? (bytes.length * bitsPerCharacter(this.line) * 1000) / this.line.baud : 0;
        this.txFreeAt = Math.max(now, this.txFreeAt) + wireMs;
      } catch (error) {
        this.stats.droppedOutput += bytes.length;
        this.log('warn', `sim ${this.model.name}: UART refused ${bytes.length} byte(s): ${String(error)}`);
      }
    }
    if (then) this.later(Math.max(0, this.txFreeAt - now), then);
  }

  private later(ms: number, action: () => void): void {
    const handle = this.timer.set(() => {
      this.timers.delete(handle);
      action();
    }, ms);
    this.timers.add(handle);
  }
}

function sameLine(a: UartSettings, b: UartSettings): boolean {
  return a.baud === b.baud && a.dataBits === b.dataBits && a.parity === b.parity && a.stopBits === b.stopBits;
}
