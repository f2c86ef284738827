/** Fake of `airboot/serial` (the native UART): the world's SerialLink side, with the options recorded. */
import type { Serial, UartSettings } from '../../../src/io/contracts.js';
import { asUint8 } from '../../../src/io/contracts.js';
import { toArrayBuffer, world } from './world.js';

interface Format {
  baud: number;
  dataBits?: 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
}

function settings(format: Format): UartSettings {
  return {
    baud: format.baud,
    dataBits: format.dataBits ?? 8,
    parity: format.parity ?? 'none',
    stopBits: format.stopBits ?? 1,
  };
}

export default class FakeNativeSerial {
  private readonly serial: Serial;

  constructor(
    options: Format & {
      onReadable?: (count: number) => void;
      onWritable?: (count: number) => void;
      onError?: () => void;
    } & Record<string, unknown>,
  ) {
    world.uartOptions.push({ ...options });
    if (!world.uart) throw new Error('no UART wired in the test world');
    this.serial = world.uart({
      ...settings(options),
      onReadable: options.onReadable,
      onWritable: options.onWritable,
      onError: () => options.onError?.(),
    });
  }

  read(max?: number): ArrayBuffer | undefined {
    const bytes = this.serial.read(max);
    return bytes && toArrayBuffer(bytes);
  }

  write(bytes: ArrayBuffer | ArrayBufferView): number {
    return this.serial.write(
      ArrayBuffer.isView(bytes)
        ? asUint8(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
        : bytes,
    );
  }

  configure(format: Format): void {
    world.uartConfigured.push({ ...format });
    this.serial.configure(settings(format));
  }

  close(): void {
    this.serial.close();
  }
}
