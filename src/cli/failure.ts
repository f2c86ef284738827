import { ImageError } from '../image/errors.js';
import { AirbootError } from '../io/errors.js';
import { SerialPortError } from '../platform/node/errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** A mistake on the command line, found before anything touched the target. */
export class UsageError extends AirbootError {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super('USAGE', message);
  }
}

/** What the CLI prints and returns for an error: `airboot: <message>`, an optional hint line, an exit code. */
export interface Failure {
  message: string;
  hint: string | undefined;
  exitCode: ExitCodeValue;
  code: string;
}

/** Exit code and hint for each stable error `code` airboot throws (src/**\/errors.ts). */
const BY_CODE: Record<string, { exit: ExitCodeValue; hint?: string }> = {
  USAGE: { exit: ExitCode.Usage },
  IMAGE_RANGE: { exit: ExitCode.Usage, hint: 'check --address and that the file was built for this chip' },
  UNKNOWN_MODEL: { exit: ExitCode.Usage },
  SERIAL_OPEN: { exit: ExitCode.Connection },
  SERIAL_CONNECT: { exit: ExitCode.Connection },
  SERIAL_LINES: { exit: ExitCode.Connection },
  SERIAL_CONFIGURE: { exit: ExitCode.Connection },
  SERIAL_DISCONNECTED: {
    exit: ExitCode.Connection,
    hint: 'if a flash was running, the chip holds a partial image: flash again once the link is back',
  },
  CHANNEL_CLOSED: { exit: ExitCode.Connection },
  PTY: { exit: ExitCode.Connection },
  TIMEOUT: {
    exit: ExitCode.NoAnswer,
    hint:
      'is the chip in its bootloader? BOOT0 high + reset (--boot0/--reset, or the jumpers), TX/RX crossed, ' +
      'common ground, and try --baud 57600',
  },
  VERIFY: {
    exit: ExitCode.VerifyFailed,
    hint: 'flash again; if it persists, the flash may be worn or protected',
  },
  NACK: { exit: ExitCode.Failed, hint: 'the chip may be write- or readout-protected: try --unprotect' },
  READOUT_PROTECTED: {
    exit: ExitCode.Failed,
    hint: 'run again with --unprotect to lift it (Readout Unprotect erases the whole flash first)',
  },
  UNKNOWN_CHIP: { exit: ExitCode.Failed },
  CANCELLED: { exit: ExitCode.Interrupted },
  // A running airboot service (--host; src/cli/remote/errors.ts).
  REMOTE_UNREACHABLE: { exit: ExitCode.Connection },
  REMOTE_INVALID: { exit: ExitCode.Usage },
  REMOTE_BUSY: {
    exit: ExitCode.Failed,
    hint: 'wait for it to end: airboot info --host … shows the running job',
  },
  REMOTE_HTTP: { exit: ExitCode.Failed },
  REMOTE_PROTOCOL: { exit: ExitCode.Failed, hint: 'is this an airboot service? check --host and its port' },
};

/** Turn anything thrown into what the user sees. Errors without a known code are internal (exit 1). */
export function describeFailure(error: unknown): Failure {
  if (error instanceof ImageError) {
    return {
      message: error.message,
      hint: 'fix or re-export the file; nothing was written to the chip',
      exitCode: ExitCode.Usage,
      code: error.code,
    };
  }
  if (error instanceof AirbootError || hasCode(error)) {
    const code = (error as { code: string }).code;
    const entry = BY_CODE[code] ?? { exit: ExitCode.Failed };
    const own = error instanceof SerialPortError || error instanceof UsageError ? error.hint : undefined;
    const detail = error instanceof SerialPortError && error.detail && !error.message.includes(error.detail);
    return {
      message: detail
        ? `${(error as Error).message} (${(error as SerialPortError).detail})`
        : (error as Error).message,
      hint: own ?? entry.hint,
      exitCode: entry.exit,
      code,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, hint: undefined, exitCode: ExitCode.Failed, code: 'INTERNAL' };
}

function hasCode(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/** `airboot: message` and `  hint: …` lines, for stderr. */
export function formatFailure(failure: Failure): string {
  return `airboot: ${failure.message}\n${failure.hint ? `  hint: ${failure.hint}\n` : ''}`;
}
