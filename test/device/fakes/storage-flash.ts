/** Fake of `embedded:storage/flash` (ESP32): only the "nextota" slot, when the test world has one. */
import { world } from './world.js';

export interface FakeFlashPartition {
  readonly path: string;
  readonly writable: boolean;
  status(): { size: number; blockLength: number };
  close(): void;
}

export default Object.freeze({
  open(options: { path: string; mode?: 'r' | 'r+' }): FakeFlashPartition {
    if (options.path !== 'nextota' || !world.ota) throw new Error("can't find partition");
    const size = world.ota.slotBytes;
    return {
      path: options.path,
      writable: options.mode === 'r+',
      status: () => ({ size, blockLength: 4096 }),
      close() {},
    };
  },
});
