/**
 * The firmware's main module on ESP8266 and ESP32. Moddable runs a main module's default export at start; the
 * manifest's `config` names the board (firmware/boards/*.json), the version and whether to trace. The board's
 * GPIOs, flash partition and WiFi radio are handed to the portable wiring here, so that app/device.ts imports
 * nothing a platform without them (the Linux simulator, firmware/lin) lacks.
 */
import config from 'mc/config';
import { type RunningDevice, startDevice } from '../src/app/device.js';
import type { LogLevel } from '../src/io/contracts.js';
import { boardProfile } from '../src/platform/moddable/boards.js';
import { openTargetPin } from '../src/platform/moddable/digital.js';
// ESP32: embedded:update; ESP8266: firmware-update-none.ts (firmware/manifest.json maps the module per platform).
import { deviceFirmwareUpdater } from '../src/platform/moddable/firmware-update.js';
import { PartitionRegion } from '../src/platform/moddable/flash-region.js';
import { deviceMac, ModdableRadio } from '../src/platform/moddable/wifi.js';

export default function main(): RunningDevice {
  const board = boardProfile(String(config.board ?? 'nodemcu'));
  return startDevice({
    board,
    version: String(config.version ?? '0.0.0'),
    logLevel: (config.log as LogLevel | 'off' | undefined) ?? 'off',
    hardware: {
      openPin: openTargetPin,
      staging: new PartitionRegion(board.stagingPartition),
      firmwareUpdater: deviceFirmwareUpdater(),
      wifi: {
        radio: (onEvent, maxApStations) => new ModdableRadio(onEvent, maxApStations),
        mac: deviceMac,
      },
    },
  });
}
