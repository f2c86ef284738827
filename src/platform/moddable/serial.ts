/**
 * The target's UART on the device: airboot's native module (`airboot/serial`, firmware/native/serial) adapted to
 * the Serial contract. Moddable's own `embedded:io/serial` is 8N1 only; the STM32 bootloader needs 8E1 (AN3155 §2)
 * and the bridge must switch speed and format while open, which the native module adds.
 */
import NativeSerial from 'airboot/serial';
import { WouldBlockError } from '../../io/byte-channel.js';
import type { Bytes, Serial, SerialProvider, UartSettings } from '../../io/contracts.js';
import { formatName } from '../../io/contracts.js';
import { DeviceError } from './errors.js';

/** Where the UART is and how much it buffers (a board profile's `uart`). */
export interface UartPins {
  /** UART number: 0 on ESP8266; 2 on an ESP32 (0 carries its console). */
  port: number;
  /** ESP8266: UART0 on GPIO13 (RX) / GPIO15 (TX) instead of GPIO3/1. */
  swap?: boolean;
  /** ESP32: RX and TX pins. */
  receive?: number;
  transmit?: number;
  /** Linux simulator: the serial device or pty the target's UART is on. */
  device?: string;
  /**
   * The device is a pseudo-terminal (e.g. `airboot sim --pty`): it carries bytes, not bits, so there is no parity
   * to set — and Linux refuses PARENB on a pty. Every format is opened as 8N1 on it; the bytes are the same.
   */
  pty?: boolean;
  /** Software receive buffer in the native module, bytes (outside the JS heap). */
  receiveBufferBytes: number;
}

type NativeFormat = Omit<UartSettings, 'parity'> & { parity: 'none' | 'even' | 'odd' };

/**
 * The formats the ESP8266 and ESP32 UARTs do: 5 to 8 data bits, 1, 1.5 or 2 stop bits (UART_CONF0 bit_num and
 * stop_bit_num), and parity none, even or odd — no mark or space (the hardware computes parity, it cannot force
 * it). DeviceError otherwise. The native module refuses, with a RangeError, what one port cannot do (lin: 1.5 stop).
 */
export function nativeFormat(settings: UartSettings): NativeFormat {
  const { parity } = settings;
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') {
    throw new DeviceError(
      'UART_FORMAT',
      `the device's UART does not do ${formatName(settings)}: parity must be none, even or odd`,
    );
  }
  return { ...settings, parity };
}

/** A SerialProvider over the native module with the board's pins and buffer. */
export function deviceSerialProvider(pins: UartPins): SerialProvider {
  return (options) => {
    const { pty, ...where } = pins;
    const uart = new NativeSerial({
      ...where,
      ...onWire(nativeFormat(options), pty),
      onReadable: options.onReadable,
      onWritable: options.onWritable,
      onError: () => options.onError?.(new DeviceError('UART_ERROR', `UART${pins.port} reported an error`)),
    });
    return new DeviceSerial(uart, pty);
  };
}

/** What to ask of the UART: the format itself, or on a pty the same speed as 8N1 (see UartPins.pty). */
function onWire(format: NativeFormat, pty: boolean | undefined): NativeFormat {
  return pty ? { ...format, dataBits: 8, parity: 'none', stopBits: 1 } : format;
}

class DeviceSerial implements Serial {
  constructor(
    private readonly uart: NativeSerial,
    private readonly pty: boolean | undefined,
  ) {}

  read(max?: number): Uint8Array | undefined {
    const bytes = max === undefined ? this.uart.read() : this.uart.read(max);
    return bytes === undefined || bytes.byteLength === 0 ? undefined : new Uint8Array(bytes);
  }

  write(bytes: Bytes): number {
    try {
      return this.uart.write(bytes);
    } catch {
      // The native module throws when the bytes do not fit its transmit buffer: the contract's "would block".
      throw new WouldBlockError(0);
    }
  }

  configure(settings: UartSettings): void {
    this.uart.configure(onWire(nativeFormat(settings), this.pty));
  }

  close(): void {
    this.uart.close();
  }
}
