/** Fake of Moddable's `time`: ticks are the world's virtual milliseconds. */
import { world } from './world.js';

const Time = {
  get ticks(): number {
    return world.clock.now();
  },
};
export default Time;
