/**
 * Over-the-air update of the ESP32 firmware itself (service/firmware-update.ts) over ECMA-419 `embedded:update` and
 * `embedded:storage/flash` as Moddable implements them on ESP32 (modules/io/update, modules/io/flash): the image goes
 * to the "nextota" partition (the OTA slot not running), `complete()` checks it and makes it the boot partition, and
 * `System.restart()` starts it. The ESP32 manifest asks for the OTA partitions (`defines.ota.autosplit`).
 */

import FlashStorage from 'embedded:storage/flash';
import Update from 'embedded:update';
import type { FirmwareUpdater } from '../../service/firmware-update.js';

/** The updater, or undefined when the partition table has no OTA slot. */
export function deviceFirmwareUpdater(): FirmwareUpdater | undefined {
  let maxBytes: number;
  try {
    const slot = FlashStorage.open({ path: 'nextota' });
    maxBytes = slot.status().size;
    slot.close();
  } catch {
    return undefined;
  }
  return {
    maxBytes,
    begin(byteLength) {
      const partition = FlashStorage.open({ path: 'nextota', mode: 'r+' });
      const update = Update.open({ partition, byteLength });
      return {
        write: (bytes) => update.write(bytes),
        complete() {
          try {
            update.complete();
          } finally {
            update.close();
            partition.close();
          }
        },
        abort() {
          update.close();
          partition.close();
        },
      };
    },
    restart() {
      // Moddable's `system` module (modules/io/system, preloaded by the ESP32 IO manifest) sets the global System.
      (globalThis as { System?: { restart(): void } }).System?.restart();
    },
  };
}
