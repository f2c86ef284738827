import { InvalidArgumentError } from 'commander';

/** Standard UART speeds a USB-UART and the STM32 bootloader both handle (AN3155 tested 1200–115200). */
const COMMON_BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600];

/** `--baud`: a positive integer; anything outside 300–4 000 000 is a typo. */
export function parseBaud(text: string): number {
  const baud = Number(text);
  if (!Number.isInteger(baud) || baud < 300 || baud > 4_000_000) {
    throw new InvalidArgumentError(
      `'${text}' is not a baud rate (e.g. ${COMMON_BAUDS.slice(4, 8).join(', ')})`,
    );
  }
  return baud;
}

/** `--address`: hexadecimal with 0x, or decimal; a 32-bit address. */
export function parseAddress(text: string): number {
  const value = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new InvalidArgumentError(`'${text}' is not an address (e.g. 0x08000000)`);
  }
  return value;
}

/** `--tcp`: a TCP port, 0 for any free one. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`'${text}' is not a TCP port (0–65535; 0 picks a free one)`);
  }
  return port;
}

export type LineChoice = 'dtr' | 'rts' | 'none';

export function parseLine(text: string): LineChoice {
  const value = text.toLowerCase();
  if (value !== 'dtr' && value !== 'rts' && value !== 'none') {
    throw new InvalidArgumentError(`'${text}' is not one of dtr, rts, none`);
  }
  return value;
}

export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}
