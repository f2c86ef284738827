import { ByteChannel } from '../io/byte-channel.js';
import type { Log, Timer, UartSettings } from '../io/contracts.js';
import { Bootloader } from '../stm32/bootloader.js';
import type { CancelToken } from '../stm32/cancel.js';
import type { TargetLink } from './connect.js';

/** AN3155 §1: the bootloader frames 8 data bits, even parity, 1 stop bit. */
export function bootloaderSettings(baud: number): UartSettings {
  return { baud, dataBits: 8, parity: 'even', stopBits: 1 };
}

/** A target put in its bootloader; `identify()` / `flash()` (src/stm32) sync with it first. */
export interface BootloaderSession {
  readonly bootloader: Bootloader;
  readonly channel: ByteChannel;
  readonly link: TargetLink;
  /** Whether NRST was pulsed on the way in (false: the chip had to be in its bootloader already). */
  readonly wasReset: boolean;
  /**
   * BOOT0 high and an NRST pulse again, when both lines are wired: the way back to the bootloader should code the
   * flasher starts in RAM fail (FlashOptions.reenterBootloader).
   */
  readonly reenter: (() => Promise<void>) | undefined;
}

/**
 * Put the target in its bootloader through `link` (BOOT0 high, NRST pulse, where the lines exist) and make the
 * Bootloader master for it. No sync here: identify() starts with one (AN3155 §2). The caller ends with
 * leaveBootloader().
 */
export async function enterBootloader(
  link: TargetLink,
  options: { baud: number; timer: Timer; log: Log; cancel?: CancelToken },
): Promise<BootloaderSession> {
  const channel = new ByteChannel(link.provider, bootloaderSettings(options.baud), options.timer, {
    capacity: 1024,
  });
  const action = await link.control.enterBootloader();
  options.log(
    'debug',
    action.reset ? 'target reset with BOOT0 high' : 'no reset line: expecting the bootloader',
  );
  const bootloader = new Bootloader(channel, options.timer, { baud: options.baud, log: options.log });
  bootloader.cancel = options.cancel;
  const reenter =
    action.reset && action.bootSelected
      ? async () => {
          await link.control.enterBootloader();
        }
      : undefined;
  return { bootloader, channel, link, wasReset: action.reset, reenter };
}

/**
 * Hand the target back to its application. After a Go (AN3155 §3.5) it already runs: only lower BOOT0 so the next
 * reset runs it too. Otherwise BOOT0 low and an NRST pulse. Returns how the application was started, or
 * 'still-in-bootloader' when there was no way to (no reset line and no Go).
 */
export async function leaveBootloader(
  session: BootloaderSession,
  options: { wentToApplication: boolean },
): Promise<'go' | 'reset' | 'still-in-bootloader'> {
  const control = session.link.control;
  if (options.wentToApplication) {
    control.release();
    return 'go';
  }
  const action = await control.runApplication();
  return action.reset ? 'reset' : 'still-in-bootloader';
}
