/**
 * The board's LED as a status light, for a device with no screen: one look says whether it is waiting to be set up,
 * joining the network, online, flashing, or whether the last flash failed. The most urgent state wins:
 *
 * | pattern  | timing                     | meaning                                                   |
 * |----------|----------------------------|-----------------------------------------------------------|
 * | flicker  | 50 ms on, 50 ms off        | a flash job is running                                    |
 * | double   | two 100 ms blinks a second | the last flash job failed (until the next one starts)     |
 * | fast     | 125 ms on, 125 ms off      | joining the saved WiFi network                            |
 * | slow     | 500 ms on, 500 ms off      | its own access point is up (no network, or it failed)     |
 * | on       | steady                     | on the network                                            |
 *
 * Memory: one timer at a time; patterns are constant tables.
 */
import type { Digital, Timer, TimerHandle } from '../io/contracts.js';
import type { JobState } from './flash-service.js';
import type { WifiState } from './wifi-policy.js';

export type LightPattern = 'off' | 'on' | 'slow' | 'fast' | 'flicker' | 'double';

/** Milliseconds on, off, on, off… repeated; a steady pattern has none. */
const STEPS: Readonly<Record<LightPattern, readonly number[]>> = Object.freeze({
  off: Object.freeze([]),
  on: Object.freeze([]),
  slow: Object.freeze([500, 500]),
  fast: Object.freeze([125, 125]),
  flicker: Object.freeze([50, 50]),
  double: Object.freeze([100, 100, 100, 700]),
});

/** The pattern for the device's state: flash jobs first, then the network. */
export function patternFor(wifi: WifiState | undefined, lastJob: JobState | undefined): LightPattern {
  if (lastJob === 'running') return 'flicker';
  if (lastJob === 'failed') return 'double';
  if (wifi === 'joining') return 'fast';
  if (wifi === 'access-point') return 'slow';
  return 'on';
}

export class StatusLight {
  private pattern: LightPattern = 'off';
  private step = 0;
  private timer: TimerHandle | undefined;

  /** `led` speaks of the light: 1 is lit, whatever the GPIO's polarity (the Digital handles that). */
  constructor(
    private readonly led: Digital,
    private readonly clock: Timer,
  ) {
    led.write(0);
  }

  get showing(): LightPattern {
    return this.pattern;
  }

  show(pattern: LightPattern): void {
    if (pattern === this.pattern) return;
    this.pattern = pattern;
    this.clock.clear(this.timer);
    this.timer = undefined;
    this.step = 0;
    const steps = STEPS[pattern];
    if (steps.length === 0) {
      this.led.write(pattern === 'on' ? 1 : 0);
      return;
    }
    this.led.write(1);
    this.schedule(steps);
  }

  close(): void {
    this.clock.clear(this.timer);
    this.timer = undefined;
    this.led.write(0);
  }

  private schedule(steps: readonly number[]): void {
    this.timer = this.clock.set(() => {
      this.step = (this.step + 1) % steps.length;
      // Even steps are "on" times, odd ones "off".
      this.led.write(this.step % 2 === 0 ? 1 : 0);
      this.schedule(steps);
    }, steps[this.step]!);
  }
}
