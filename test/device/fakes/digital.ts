/** Fake of `embedded:io/digital`: a GPIO is the target line the test wired to that number. */
import { world } from './world.js';

const MODES = ['Input', 'InputPullUp', 'Output', 'OutputOpenDrain'] as const;

export default class FakeDigital {
  static readonly Input = 0;
  static readonly InputPullUp = 1;
  static readonly Output = 2;
  static readonly OutputOpenDrain = 3;
  private readonly pin: number;

  constructor(options: { pin: number; mode: number }) {
    if (!world.pins.has(options.pin)) throw new Error(`GPIO${options.pin} is not wired in the test world`);
    this.pin = options.pin;
    world.pinModes.set(options.pin, MODES[options.mode] ?? String(options.mode));
  }

  read(): number {
    return world.pins.get(this.pin)!.read();
  }

  write(value: number): void {
    world.pins.get(this.pin)!.write(value ? 1 : 0);
  }

  close(): void {}
}
