import type { Digital, Timer } from '../io/contracts.js';
import { sleep } from '../io/contracts.js';

export interface TargetControlOptions {
  /** Drives the STM32's BOOT0 pin (1 = high = boot from system memory). Absent: set by a jumper. */
  boot0?: Digital;
  /** Drives the STM32's NRST pin (0 = held in reset). Absent: reset by hand (or not at all). */
  nrst?: Digital;
  timer: Timer;
  /**
   * How long NRST is held low, ms. The datasheets need far less (NRST pulse ≥ 20 µs); the time goes to discharging
   * the board's NRST capacitor (typically 100 nF) through the pulling pin, well under 1 ms, and to a USB-UART's modem
   * line reaching the wire (a few ms). Default 20: twice per job, so it shows in the time next to the floor (the
   * 100 ms of common clients cost 1 % of a 64 KiB flash at 115200).
   */
  resetPulseMs?: number;
  /** Wait after releasing NRST before the bootloader can take the sync byte, ms. AN2606 start-up times are
   * 50–85 ms on F0/F1/F4 and can reach seconds on an L4 without LSE, so the sync should also retry. Default 100. */
  bootloaderStartMs?: number;
}

/** What a TargetControl did, so a caller can tell the user what is left for them to do. */
export interface TargetAction {
  /** NRST was pulsed. When false the chip was not reset: it must already be (or be put by hand) in that mode. */
  reset: boolean;
  /** BOOT0 was driven. When false the boot mode is whatever the board's jumper says. */
  bootSelected: boolean;
}

/**
 * The target's BOOT0 and NRST lines: how the host puts an STM32 into its ROM bootloader and back into its
 * application (AN2606 "Bootloader activation": the boot pins are sampled on the rising edge of reset).
 * Either line may be missing (a pty, manual jumpers); each step then does what it can and says so.
 */
export class TargetControl {
  private readonly boot0: Digital | undefined;
  private readonly nrst: Digital | undefined;
  private readonly timer: Timer;
  private readonly resetPulseMs: number;
  private readonly bootloaderStartMs: number;

  constructor(options: TargetControlOptions) {
    this.boot0 = options.boot0;
    this.nrst = options.nrst;
    this.timer = options.timer;
    this.resetPulseMs = options.resetPulseMs ?? 20;
    this.bootloaderStartMs = options.bootloaderStartMs ?? 100;
  }

  get canReset(): boolean {
    return this.nrst !== undefined;
  }

  get canSelectBoot(): boolean {
    return this.boot0 !== undefined;
  }

  /**
   * BOOT0 high, pulse NRST, wait for the bootloader to start. The caller then sends the sync byte (AN3155 §2).
   * BOOT0 stays high until runApplication(): commands such as Write Unprotect reset the chip, and it must come
   * back in the bootloader for the host to re-sync.
   */
  async enterBootloader(): Promise<TargetAction> {
    this.boot0?.write(1);
    const reset = await this.pulseReset();
    if (reset) await sleep(this.timer, this.bootloaderStartMs);
    return { reset, bootSelected: this.boot0 !== undefined };
  }

  /** BOOT0 low, pulse NRST: the chip starts its application from flash. */
  async runApplication(): Promise<TargetAction> {
    this.boot0?.write(0);
    const reset = await this.pulseReset();
    return { reset, bootSelected: this.boot0 !== undefined };
  }

  /** Pulse NRST without touching BOOT0. */
  async reset(): Promise<TargetAction> {
    const reset = await this.pulseReset();
    return { reset, bootSelected: false };
  }

  /** Release both lines to their idle levels (BOOT0 low, NRST high) without a reset. */
  release(): void {
    this.boot0?.write(0);
    this.nrst?.write(1);
  }

  private async pulseReset(): Promise<boolean> {
    if (!this.nrst) return false;
    // NRST is open-drain with a pull-up on the STM32: pull it low, then let go (write 1 = stop pulling).
    this.nrst.write(0);
    await sleep(this.timer, this.resetPulseMs);
    this.nrst.write(1);
    return true;
  }
}
