/**
 * The ESP8266 build's stand-in for firmware-update.ts (firmware/manifest.json maps the module per platform): Moddable
 * 8.2.3 has no ECMA-419 update module for the ESP8266 (modules/io/update: esp32 and mac only), so there is no
 * over-the-air update of airboot itself there; reflash the ESP over USB (README "Build the firmware").
 */
import type { FirmwareUpdater } from '../../service/firmware-update.js';

export function deviceFirmwareUpdater(): FirmwareUpdater | undefined {
  return undefined;
}
