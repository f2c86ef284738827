import { AirbootError } from '../../io/errors.js';

/**
 * A local serial port or its stand-in (TCP, pty) failed. `code` says which step: SERIAL_OPEN, SERIAL_LINES (DTR/RTS),
 * SERIAL_CONFIGURE (speed/format), SERIAL_DISCONNECTED, SERIAL_CONNECT (tcp://), PTY (socat).
 */
export class SerialPortError extends AirbootError {
  constructor(
    code:
      | 'SERIAL_OPEN'
      | 'SERIAL_LINES'
      | 'SERIAL_CONFIGURE'
      | 'SERIAL_DISCONNECTED'
      | 'SERIAL_CONNECT'
      | 'PTY',
    readonly path: string,
    message: string,
    /** What the user can do about it, one sentence. */
    readonly hint?: string,
    /** The underlying error message, if any. */
    readonly detail?: string,
  ) {
    super(code, message);
  }
}

/** A hint for a failed open, from the message the serialport binding gives (it carries no errno). */
export function openHint(message: string): string | undefined {
  if (/no such file|ENOENT/i.test(message)) {
    return 'check the device path (ls /dev/ttyUSB* /dev/ttyACM* /dev/serial/by-id/), or use tcp://host:port';
  }
  if (/permission denied|EACCES/i.test(message)) {
    return 'add your user to the group that owns the device (usually dialout: sudo usermod -aG dialout $USER) and log in again';
  }
  if (/resource temporarily unavailable|busy|lock/i.test(message)) {
    return 'another program has the port open (a terminal, stm32flash, ModemManager?); close it and retry';
  }
  return undefined;
}
