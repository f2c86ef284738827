/**
 * The firmware's main module. Moddable runs a main module's default export at start; the manifest's `config`
 * names the board (firmware/boards/*.json), the version and whether to trace.
 */
import config from 'mc/config';
import { type RunningDevice, startDevice } from '../src/app/device.js';
import type { LogLevel } from '../src/io/contracts.js';
import { boardProfile } from '../src/platform/moddable/boards.js';

export default function main(): RunningDevice {
  return startDevice({
    board: boardProfile(String(config.board ?? 'nodemcu')),
    version: String(config.version ?? '0.0.0'),
    logLevel: (config.log as LogLevel | 'off' | undefined) ?? 'off',
  });
}
