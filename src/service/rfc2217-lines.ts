/**
 * What an RFC 2217 client's DTR and RTS do to the target. A USB-UART has no BOOT0 or NRST, so tools that flash an
 * STM32 over a serial port wire the adapter's modem outputs to them; the usual convention (stm32loader's) is
 * DTR → NRST and RTS → BOOT0, an asserted line meaning "reset held" and "boot from system memory" (AN2606
 * "Bootloader activation": BOOT0 is sampled when NRST rises). airboot drives the real pins the same way, so such
 * a tool works over the network unchanged.
 */
import type { Digital } from '../io/contracts.js';

/** Which target pin a modem output drives. */
export type LineTarget = 'nrst' | 'boot0' | 'none';

/** How DTR and RTS map to the target's pins. */
export interface LineMapping {
  /** What DTR drives. Default 'nrst'. */
  dtr: LineTarget;
  /** What RTS drives. Default 'boot0'. */
  rts: LineTarget;
  /** DTR asserted means the pin's inactive level instead (boards wired through an inverter). Default false. */
  invertDtr?: boolean;
  invertRts?: boolean;
}

/** The stm32loader convention: DTR asserted holds NRST low (reset), RTS asserted puts BOOT0 high. */
export const STM32LOADER_LINES: Readonly<LineMapping> = Object.freeze({ dtr: 'nrst', rts: 'boot0' });

export interface TargetLinesOptions {
  mapping?: LineMapping;
  /** The BOOT0 line (1 = high = boot from system memory); the same Digital the TargetControl drives. */
  boot0?: Digital;
  /** The NRST line (0 = held in reset); the same Digital the TargetControl drives. */
  nrst?: Digital;
}

/**
 * The DTR and RTS outputs as RFC 2217 clients see them, shared by every session (there is one target), and the
 * pins they drive. A line mapped to 'none', or to a pin that is not wired, only keeps its state.
 */
export class TargetLines {
  private dtrOn = false;
  private rtsOn = false;
  private readonly mapping: LineMapping;

  constructor(private readonly options: TargetLinesOptions) {
    this.mapping = options.mapping ?? STM32LOADER_LINES;
    if (this.mapping.dtr !== 'none' && this.mapping.dtr === this.mapping.rts) {
      throw new RangeError(`DTR and RTS cannot both drive ${this.mapping.dtr}`);
    }
  }

  get dtr(): boolean {
    return this.dtrOn;
  }

  get rts(): boolean {
    return this.rtsOn;
  }

  setDtr(on: boolean): void {
    this.dtrOn = on;
    this.drive(this.mapping.dtr, on !== (this.mapping.invertDtr ?? false));
  }

  setRts(on: boolean): void {
    this.rtsOn = on;
    this.drive(this.mapping.rts, on !== (this.mapping.invertRts ?? false));
  }

  /** Whether either mapped pin is away from its idle level (NRST held low or BOOT0 high) because of DTR/RTS. */
  get active(): boolean {
    return (
      this.dtrOn !== (this.mapping.invertDtr ?? false) || this.rtsOn !== (this.mapping.invertRts ?? false)
    );
  }

  /**
   * The mapped pins back at their idle levels (NRST released, BOOT0 low) and the lines set to match, without a
   * reset: a client that disconnects with DTR on must not leave the target held in reset. BOOT0 is only sampled
   * at the next reset, so a chip already in its bootloader stays there until then.
   */
  release(): void {
    this.setDtr(this.mapping.invertDtr ?? false);
    this.setRts(this.mapping.invertRts ?? false);
  }

  /** `asserted`: NRST pulled low (reset held) or BOOT0 high (system memory selected). */
  private drive(pin: LineTarget, asserted: boolean): void {
    if (pin === 'nrst') this.options.nrst?.write(asserted ? 0 : 1);
    else if (pin === 'boot0') this.options.boot0?.write(asserted ? 1 : 0);
  }
}
