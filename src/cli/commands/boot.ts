import type { Command } from 'commander';
import { targetActionCommand } from '../remote/target-action.js';

/** `airboot boot --host H`: BOOT0 high, reset; the target stays in its ROM bootloader (UART 8E1, AN3155). */
export function bootCommand(): Command {
  return targetActionCommand(
    'boot',
    'put the target into its ROM bootloader through an airboot service (BOOT0 high, reset) and hold it there',
  );
}
