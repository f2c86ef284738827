import type { Command } from 'commander';
import { targetActionCommand } from '../remote/target-action.js';

/** `airboot reset --host H`: pulse NRST; the target restarts in whatever mode BOOT0 selects. */
export function resetCommand(): Command {
  return targetActionCommand('reset', 'reset the target through an airboot service (pulse NRST)');
}
