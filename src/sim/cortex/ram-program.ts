/**
 * A program the host started in RAM with Go (AN3155 §3.5) on a simulated F1: the Thumb core runs on the simulator's
 * timer in slices of CPU time, so its computing takes the time it would take at HCLK, and the bytes its USART sends
 * leave when the core sent them. A fault stops it for good (silent, as a real core in its HardFault loop); AIRCR's
 * reset request resets the chip at the cycle it was written.
 */
import type { Log, UartSettings } from '../../io/contracts.js';
import type { SimFlash } from '../sim-flash.js';
import { F1Bus } from './f1-bus.js';
import { ThumbCore } from './thumb-core.js';

/** CPU time run per slice, ms. */
const SLICE_MS = 10;
/** A program still running after this much CPU time is stopped (no simulated watchdog would let it run on). */
const MAX_CPU_MS = 10 * 60 * 1000;

export interface RamProgramHost {
  flash: SimFlash;
  /** Apply the USART's frame time (false: bytes leave at once). Computing always takes its time. */
  timing: boolean;
  log: Log;
  /** Run `action` after `ms` on the simulator's clock (cancelled by a reset). */
  later(ms: number, action: () => void): void;
  /** Put one byte on the chip's TX line with these line settings. */
  send(byte: number, settings: UartSettings): void;
  /** The chip resets (BOOT0 decides what starts). */
  systemReset(): void;
  /** Name for log lines, e.g. "sim F103C8". */
  name: string;
}

export class RamProgram {
  private readonly core: ThumbCore;
  private readonly bus: F1Bus;
  private resetAtCycle: number | undefined;
  private stopped = false;
  /** Core cycle at which the running slice began: it runs at the simulator time the slice was started. */
  private sliceStart = 0;

  constructor(
    private readonly host: RamProgramHost,
    vector: number,
  ) {
    this.bus = new F1Bus(
      host.flash,
      {
        transmit: (byte, settings, cycle) => this.at(cycle, () => host.send(byte, settings)),
        systemReset: () => {
          this.resetAtCycle = this.core.cycles;
        },
      },
      () => this.core.cycles,
      host.timing,
    );
    this.core = new ThumbCore(this.bus);
    this.core.start(vector);
    host.log('info', `${host.name}: running the program at 0x${vector.toString(16)} in RAM`);
  }

  /** Run the first slice now. */
  start(): void {
    this.slice(0);
  }

  /** Stop running (the chip was reset from outside: NRST, power). */
  stop(): void {
    this.stopped = true;
  }

  private slice(sliceStartCycle: number): void {
    if (this.stopped) return;
    this.sliceStart = sliceStartCycle;
    const hz = this.bus.hclkHz;
    this.core.run(Math.round((hz * SLICE_MS) / 1000), () => this.resetAtCycle !== undefined);
    if (this.resetAtCycle !== undefined) {
      this.at(this.resetAtCycle, () => {
        this.stopped = true;
        this.host.systemReset();
      });
      return;
    }
    if (this.core.fault !== undefined) {
      this.host.log('info', `${this.host.name}: the program in RAM stopped: ${this.core.fault}`);
      this.stopped = true;
      return;
    }
    if ((this.core.cycles * 1000) / hz > MAX_CPU_MS) {
      this.host.log(
        'warn',
        `${this.host.name}: the program in RAM ran ${MAX_CPU_MS / 1000} s without a reset: stopped`,
      );
      this.stopped = true;
      return;
    }
    const nextCycle = this.core.cycles;
    this.host.later(((nextCycle - sliceStartCycle) * 1000) / hz, () => this.slice(nextCycle));
  }

  /** Run `action` at the simulator time of core cycle `cycle`. */
  private at(cycle: number, action: () => void): void {
    const ms = ((cycle - this.sliceStart) * 1000) / this.bus.hclkHz;
    if (ms <= 0) action();
    else this.host.later(ms, action);
  }
}
