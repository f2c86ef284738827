/**
 * Identify the chip once the service runs, so the status (and the web page) names it before anything is flashed.
 * The target is reset into its bootloader and back: the demo always does it (its chip is simulated); `airboot
 * bridge` only with --identify, because a user's running application would restart.
 */
import type { Bridge } from '../app/bridge.js';
import type { Log } from '../io/contracts.js';

export async function identifyAtStart(bridge: Bridge, log: Log): Promise<void> {
  try {
    // The service logs what it found.
    await bridge.flashes.identify();
  } catch (error) {
    // Not fatal: the bridge still serves the UART; the status shows no chip until a flash or identify succeeds.
    log('warn', `could not identify the target: ${(error as Error).message}`);
  }
}
