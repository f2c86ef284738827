/** Fake of Moddable's `timer` on the world's VirtualClock. */
import { world } from './world.js';

const Timer = {
  set(callback: (id: unknown) => void, ms = 0): unknown {
    const id: unknown = world.clock.set(() => callback(id), ms);
    return id;
  },
  repeat(callback: (id: unknown) => void, ms: number): unknown {
    const state = { id: undefined as unknown };
    const tick = () => {
      state.id = world.clock.set(tick, ms);
      callback(state);
    };
    state.id = world.clock.set(tick, ms);
    return state;
  },
  clear(id: unknown): void {
    world.clock.clear(typeof id === 'object' && id !== null ? (id as { id: unknown }).id : id);
  },
};
export default Timer;
