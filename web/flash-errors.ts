/**
 * What a failed flash means for the user, from the API's error code (ImageError codes for a file refused before
 * the target was touched, BootloaderError codes for a job that failed on the wire): the server's message says
 * what happened, this adds what to do about it.
 */
import { ApiError } from './api.js';

/** File names the server can parse (it detects the format by content; .bin needs an address). */
export const FIRMWARE_FILE = /\.(hex|ihx|bin|elf|axf|srec|s19|s28|s37|mot)$/i;

/** Codes of a file the parsers could not read: wrong format or damaged. */
const FORMAT_CODES = /^(FORMAT_|EMPTY|HEX_|SREC_|ELF_|OVERLAP|PARSER_)/;
/** Codes of an image that does not fit the chip or the upload limit. */
const FIT_CODES = /^(IMAGE_RANGE|ADDRESS_RANGE|IMAGE_TOO_LARGE|PAYLOAD_TOO_LARGE|BODY_TOO_LARGE)$/;
/** Codes of a chip that did not answer, or answered nonsense: wiring, pins or baud. */
const SILENT_CODES = /^(TIMEOUT|CHANNEL_TIMEOUT|PROTOCOL|NACK|SYNC)/;

const NO_ANSWER =
  'The chip did not answer: check the BOOT0 and NRST wiring (Settings → Target pins, and their polarity), that TX and RX are crossed, and the bootloader baud.';

/** A sentence for a file the page will not send, or undefined when the name looks like firmware. */
export function checkFileName(name: string): string | undefined {
  return FIRMWARE_FILE.test(name)
    ? undefined
    : `${name} is not a firmware file: choose Intel HEX (.hex), raw binary (.bin), ELF (.elf) or S-record (.srec).`;
}

/** Explain a failure by its code; `message` is the server's own text (line or offset included). */
export function explainFailure(code: string, message: string, status = 0): string {
  if (FORMAT_CODES.test(code)) return `Wrong format or damaged file: ${message} (${code})`;
  if (FIT_CODES.test(code) || status === 413)
    return `The image does not fit: ${message} (${code}). Check the address for a .bin and that the file was built for this chip.`;
  if (SILENT_CODES.test(code)) return `${NO_ANSWER} (${code}: ${message})`;
  if (code === 'READOUT_PROTECTED')
    return `The flash is read-protected: ${message} (${code}). Removing the protection erases the chip.`;
  if (code === 'VERIFY') return `Verification failed: ${message} (${code})`;
  if (code === 'BUSY' || status === 409) return `Another flash job is running: ${message}`;
  if (code === 'AUTH_REQUIRED') return 'Not flashed: log in with the admin password first.';
  return `${message} (${code})`;
}

/** The message for an upload the server answered with an error (a 400 for a bad file names the line). */
export function describeUploadError(error: unknown): string {
  if (!(error instanceof ApiError)) return `Upload failed: ${(error as Error).message}`;
  const line = error.body['line'];
  // ImageError messages start with "line N: " already; add it only when the server did not.
  const where = typeof line === 'number' && !error.message.startsWith('line ') ? `line ${line}: ` : '';
  return explainFailure(error.code, `${where}${error.message}`, error.status);
}
