/**
 * BOOT0 and NRST on GPIOs (ECMA-419 `embedded:io/digital`), with the wiring's polarity and NRST open-drain.
 *
 * The Digital contract speaks of the target's pin: 1 is BOOT0 high / NRST released. `invert` is for a transistor
 * between the GPIO and the pin (GPIO high → pin low). Open-drain drives low and lets go for 1: the STM32 has its
 * own pull-up on NRST (RM0008 §8.1.2), so the GPIO never fights the reset button or the chip's own resets.
 */
import DigitalPin from 'embedded:io/digital';
import type { Digital } from '../../io/contracts.js';
import type { TargetPin } from './boards.js';

/** Open a target line, set to `initial` (the target pin's level) at once so it never floats. */
export function openTargetPin(spec: TargetPin, initial: 0 | 1): Digital {
  const pin = new DigitalPin({
    pin: spec.pin,
    mode: spec.openDrain ? DigitalPin.OutputOpenDrain : DigitalPin.Output,
  });
  const level = (value: 0 | 1): 0 | 1 => (spec.invert ? (value === 1 ? 0 : 1) : value);
  let last: 0 | 1 = initial;
  pin.write(level(initial));
  return {
    // An output reads back what it drives; open-drain reads the line, which a reset button may hold low.
    read: () => (spec.openDrain ? (level(pin.read() ? 1 : 0) as 0 | 1) : last),
    write(value) {
      last = value;
      pin.write(level(value));
    },
    close: () => pin.close(),
  };
}
