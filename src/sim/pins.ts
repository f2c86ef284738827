/**
 * The chip's BOOT0 and NRST inputs. The host side drives them (a GPIO of the ESP, or DTR/RTS of a USB-UART
 * adapter); the chip reacts to edges. NRST is open-drain with a pull-up on a real STM32, so "released" reads 1.
 */
import type { Digital } from '../io/contracts.js';

/** One input line of the simulated chip. */
export interface SimPin {
  readonly level: 0 | 1;
  /** Drive the line from the host side; NRST low holds the chip in reset, 1 releases it. */
  drive(level: 0 | 1): void;
}

/** A SimPin that tells its owner about each change of level. */
export class InputPin implements SimPin {
  private current: 0 | 1;

  constructor(
    readonly name: string,
    initial: 0 | 1,
    private readonly onChange: (level: 0 | 1) => void,
  ) {
    this.current = initial;
  }

  get level(): 0 | 1 {
    return this.current;
  }

  drive(level: 0 | 1): void {
    if (level === this.current) return;
    this.current = level;
    this.onChange(level);
  }
}

/** A host-side Digital output (ECMA-419 §10.3) wired to a sim pin, so host code drives it like a GPIO / DTR line. */
export function hostOutput(pin: SimPin): Digital {
  let closed = false;
  return {
    read: () => pin.level,
    write(value: 0 | 1) {
      if (closed) throw new Error('digital output closed');
      pin.drive(value ? 1 : 0);
    },
    close() {
      closed = true;
    },
  };
}
