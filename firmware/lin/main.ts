/**
 * The firmware's main module in Moddable's Linux simulator (`mcconfig -m -p lin firmware/lin/manifest.json`): the
 * same services as on an ESP, on the host's network, with the target's UART on the serial device or pty the
 * manifest's `config.uart` names. There are no GPIOs, so BOOT0/NRST are not driven: the chip must already be in its
 * bootloader to be flashed (`airboot sim --pty PATH --boot bootloader`). Uploads are staged in RAM.
 */
import config from 'mc/config';
import { type RunningDevice, startDevice } from '../../src/app/device.js';
import type { LogLevel } from '../../src/io/contracts.js';
import { linBoard } from '../../src/platform/moddable/boards.js';
import { MemoryFlashRegion } from '../../src/service/staging.js';

/** Bytes of RAM that stand in for the ESP's 1 MB staging partition. */
const STAGING_BYTES = 1024 * 1024;

export default function main(): RunningDevice {
  const device = String(config.uart ?? '/tmp/airboot-sim');
  try {
    return startDevice({
      board: linBoard(device, config.uartPty !== false),
      version: String(config.version ?? '0.0.0'),
      logLevel: (config.log as LogLevel | 'off' | undefined) ?? 'info',
      hardware: { staging: new MemoryFlashRegion(STAGING_BYTES) },
    });
  } catch (error) {
    // A release build has no debugger attached: say what failed before XS aborts on the exception.
    trace(`airboot error: could not start: ${String(error)}\n`);
    throw error;
  }
}
