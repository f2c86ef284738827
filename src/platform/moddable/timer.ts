/**
 * The Timer contract over Moddable's `timer` module (XS has no global setTimeout). A handle remembers whether its
 * one-shot timer already fired, so clear() after the callback never touches an id the SDK has released.
 */
import Time from 'time';
import ModdableTimer from 'timer';
import type { Timer } from '../../io/contracts.js';

interface Handle {
  id: ReturnType<typeof ModdableTimer.set> | undefined;
  fired: boolean;
}

export const deviceTimer: Timer = {
  set(callback, ms) {
    const handle: Handle = { id: undefined, fired: false };
    handle.id = ModdableTimer.set(() => {
      handle.fired = true;
      callback();
    }, ms);
    return handle;
  },
  clear(handle) {
    const timer = handle as Handle | undefined;
    if (!timer || timer.fired) return;
    timer.fired = true;
    ModdableTimer.clear(timer.id);
  },
  // Milliseconds since boot, monotonic (no wall clock is set on the device); only differences are used.
  now: () => Time.ticks,
};
