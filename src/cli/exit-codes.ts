/**
 * The process exit codes of `airboot`, so scripts can tell "fix your file" from "check the cable". Printed by
 * `airboot --help`.
 */
export const ExitCode = Object.freeze({
  /** Done: for flash, written and verified (or written with --no-verify, with a warning). */
  Ok: 0,
  /** The operation failed (the bootloader refused, the chip is protected, an unexpected error). */
  Failed: 1,
  /** Wrong command line or unusable input file; the target was not written. */
  Usage: 2,
  /** The serial port, TCP address or pty could not be opened or went away. */
  Connection: 3,
  /** The target did not answer: no bootloader at the other end (wiring, BOOT0/NRST, baud). */
  NoAnswer: 4,
  /** Verification found the flash different from the image. */
  VerifyFailed: 5,
  /** Interrupted (Ctrl-C). */
  Interrupted: 130,
} as const);

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `
Exit codes:
  0    success (flash: written and verified)
  1    the operation failed (NACK, protection, unexpected error)
  2    bad command line or unusable input file (the target was not written)
  3    cannot open the serial port / TCP address / pty, or it went away
  4    the target did not answer (wiring, BOOT0/NRST, baud)
  5    verification failed: flash differs from the image
  130  interrupted`;
