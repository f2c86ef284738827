/**
 * Errors of the AN3155 master. Each carries the command it was running, the address when there was one, and what
 * came back, so a log line or an API response says exactly what happened.
 */
import { AirbootError } from '../io/errors.js';

export interface ExchangeContext {
  /** Command code (AN3155 §3), e.g. 0x31 for Write Memory. */
  readonly command: number;
  /** Memory address the command was about, when it had one. */
  readonly address?: number | undefined;
  /** Which step of the exchange: 'command', 'address', 'length', 'data', 'answer', … */
  readonly step: string;
}

export function commandName(command: number): string {
  return COMMAND_NAMES[command] ?? `0x${command.toString(16).padStart(2, '0')}`;
}

const COMMAND_NAMES: Record<number, string> = {
  127: 'Sync',
  0: 'Get',
  1: 'Get Version',
  2: 'Get ID',
  17: 'Read Memory',
  33: 'Go',
  49: 'Write Memory',
  67: 'Erase',
  68: 'Extended Erase',
  99: 'Write Protect',
  115: 'Write Unprotect',
  130: 'Readout Protect',
  146: 'Readout Unprotect',
  161: 'Get Checksum',
};

function describe(context: ExchangeContext): string {
  const at = context.address === undefined ? '' : ` at 0x${context.address.toString(16).padStart(8, '0')}`;
  return `${commandName(context.command)}${at} (${context.step})`;
}

export class BootloaderError extends AirbootError {
  readonly command: number | undefined;
  readonly address: number | undefined;
  readonly step: string | undefined;
  constructor(code: string, message: string, context?: ExchangeContext) {
    super(code, context ? `${describe(context)}: ${message}` : message);
    this.command = context?.command;
    this.address = context?.address;
    this.step = context?.step;
  }
}

/** The chip answered NACK (0x1F): it refused the command, the address, or the data. */
export class NackError extends BootloaderError {
  readonly received = 0x1f;
  constructor(context: ExchangeContext, hint = '') {
    super('NACK', `the bootloader answered NACK${hint ? `; ${hint}` : ''}`, context);
  }
}

/** The chip did not answer in time. */
export class TimeoutError extends BootloaderError {
  constructor(
    context: ExchangeContext,
    readonly timeoutMs: number,
    readonly received: Uint8Array = new Uint8Array(0),
    advice = 'check wiring, BOOT0/NRST and the baud rate',
  ) {
    super(
      'TIMEOUT',
      `no answer within ${timeoutMs} ms` +
        (received.length ? ` (got ${received.length} byte(s) of what was expected)` : '') +
        `; ${advice}`,
      context,
    );
  }
}

/**
 * Every 0x7F of a sync (AN3155 §2) went unanswered, or was answered by something other than ACK/NACK (application
 * output, a wrong baud). The chip is not in its bootloader or cannot hear us: the user must check the wiring, so
 * the message says what to check. Still a TimeoutError (code TIMEOUT): callers and exit codes treat it as silence.
 */
export class NoSyncError extends TimeoutError {
  /**
   * @param attempts 0x7F bytes sent, each waited for `timeoutMs`.
   * @param lastByte the last byte that came back instead of ACK/NACK, when something did.
   */
  constructor(
    readonly attempts: number,
    timeoutMs: number,
    readonly lastByte?: number,
  ) {
    super(
      { command: 0x7f, step: 'sync' },
      timeoutMs,
      lastByte === undefined ? new Uint8Array(0) : Uint8Array.of(lastByte),
      `the chip did not answer 0x7F (${attempts} tries${
        lastByte === undefined ? '' : `; got 0x${lastByte.toString(16).padStart(2, '0')} instead of ACK/NACK`
      }) — check BOOT0/NRST wiring and the UART pins (TX/RX crossed, common ground), the baud rate, and that ` +
        'the target is powered',
    );
  }
}

/** The chip answered something AN3155 does not allow at this point. */
export class ProtocolError extends BootloaderError {
  constructor(
    context: ExchangeContext,
    readonly received: number | undefined,
    detail: string,
  ) {
    super(
      'PROTOCOL',
      `${detail}${received === undefined ? '' : ` (received 0x${received.toString(16).padStart(2, '0')})`}`,
      context,
    );
  }
}

/** Verification found flash content different from the image. */
export class VerifyError extends BootloaderError {
  /**
   * @param command Read Memory (read-back) or Get Checksum, whichever found the difference.
   * @param expected,actual the first differing byte, or the CRC-32 values when a checksum disagreed.
   */
  constructor(
    command: number,
    address: number,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      'VERIFY',
      `flash differs from the image: expected 0x${expected.toString(16)}, found 0x${actual.toString(16)}; flash again`,
      { command, address, step: 'verify' },
    );
  }
}

/** The image does not fit the chip (outside flash, or larger than the part). */
export class ImageRangeError extends BootloaderError {
  /**
   * @param where when known: the first image address outside the flash, and the flash range [start, end) in bytes.
   */
  constructor(
    message: string,
    readonly where?: {
      readonly imageAddress: number;
      readonly flashStart: number;
      readonly flashEnd: number;
    },
  ) {
    super('IMAGE_RANGE', message);
  }
}

/** The bootloader does not list the command in its Get reply (AN3155 §3.1), so airboot will not send it. */
export class UnsupportedCommandError extends BootloaderError {
  constructor(
    command: number,
    readonly listed: readonly number[],
  ) {
    super(
      'UNSUPPORTED_COMMAND',
      `this bootloader does not offer the command (it lists ${listed.map(hexByte).join(' ') || 'nothing'})`,
      { command, step: 'command' },
    );
  }
}

/**
 * Reading flash was refused while the bootloader otherwise answers: readout protection (RDP level 1) is on. Only
 * Readout Unprotect (AN3155 §3.12) lifts it, and it mass-erases the flash.
 */
export class ReadoutProtectedError extends BootloaderError {
  constructor(address: number) {
    super(
      'READOUT_PROTECTED',
      'the chip refuses to read its flash: readout protection is on. Flash with the unprotect option ' +
        '(Readout Unprotect, which erases the whole flash) to continue',
      { command: 0x11, address, step: 'address' },
    );
  }
}

/** A Write Memory was lost half-way and the flash under it is neither erased nor the wanted data. */
export class WriteError extends BootloaderError {
  constructor(
    address: number,
    readonly length: number,
    detail: string,
  ) {
    super('WRITE', `${detail}; erase and flash again`, { command: 0x31, address, step: 'data' });
  }
}

function hexByte(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
