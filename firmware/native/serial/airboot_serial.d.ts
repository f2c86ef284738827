/**
 * Types of airboot/serial (airboot_serial.js + airboot_serial.c) in module form, so mcconfig maps the specifier
 * to this file in the tsconfig it generates (a `.d.ts` found under a manifest's `modules` entry becomes a `paths`
 * entry; Moddable SDK tools/mcmanifest.js).
 */

/** Speed and character format. Omitted fields: 8 data bits, no parity, 1 stop bit. */
export interface SerialFormat {
  /** Bits per second, 300 to 4 500 000, reachable by the chip's divisor within 1 %. */
  baud: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  /** 1.5 is refused on `lin` (termios has no such setting). */
  stopBits?: 1 | 1.5 | 2;
}

export interface SerialOptions extends SerialFormat {
  /** UART number: ESP8266 0 only; ESP32 0–2. */
  port?: number;
  /** ESP8266: UART0 on GPIO13 (RX) / GPIO15 (TX) instead of GPIO3/1. */
  swap?: boolean;
  /** ESP32: RX and TX GPIO numbers (the port's defaults when omitted). */
  receive?: number;
  transmit?: number;
  /** lin (simulator): path of the serial device or pty. */
  device?: string;
  /** Software receive buffer in bytes outside the JS heap; rounded up to a power of two, 256–16384. Default 2048. */
  receiveBufferBytes?: number;
  /** Software transmit buffer in bytes; rounded up likewise. Default 512. */
  transmitBufferBytes?: number;
  /** `count` bytes wait (ECMA-419: the callback takes them with read()). */
  onReadable?: (this: Serial, count: number) => void;
  /** `count` bytes of transmit space are free. */
  onWritable?: (this: Serial, count: number) => void;
  /** The device went away (lin: the pty closed). Parity/framing errors are not reported here. */
  onError?: (this: Serial) => void;
}

export default class Serial {
  constructor(options: SerialOptions);
  /** Up to `max` waiting bytes (all when omitted) in a new ArrayBuffer; undefined when none wait. */
  read(max?: number): ArrayBuffer | undefined;
  /** Queue all the bytes or throw ("would block"); returns the transmit space left. */
  write(bytes: ArrayBuffer | ArrayBufferView): number;
  /** Change speed and format at once; throws RangeError for a format the UART cannot do. */
  configure(format: SerialFormat): void;
  /** Bytes lost since open because the receive buffer or the hardware FIFO was full. */
  readonly overruns: number;
  format: 'buffer';
  close(): void;
}
