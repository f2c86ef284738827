import type { Command } from 'commander';
import { targetActionCommand } from '../remote/target-action.js';

/** `airboot run --host H`: BOOT0 low, reset into the application; the UART goes back to the application's format. */
export function runCommand(): Command {
  return targetActionCommand('run', 'start the application through an airboot service (BOOT0 low, reset)');
}
