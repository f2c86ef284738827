/** Moddable's global `trace`, recorded in the world. */
import { world } from './world.js';

(globalThis as { trace?: (...values: unknown[]) => void }).trace = (...values) => {
  world.traces.push(values.map(String).join(''));
};

/** Moddable's `system` module sets the global System (modules/io/system); the fake counts restarts. */
(globalThis as { System?: { restart(): void } }).System = {
  restart() {
    world.restarts++;
  },
};
