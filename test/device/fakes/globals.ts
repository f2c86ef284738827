/** Moddable's global `trace`, recorded in the world. */
import { world } from './world.js';

(globalThis as { trace?: (...values: unknown[]) => void }).trace = (...values) => {
  world.traces.push(values.map(String).join(''));
};
