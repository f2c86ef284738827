/**
 * airboot's native UART module (firmware/native/serial): the ECMA-419 Serial shape plus what the STM32 bootloader
 * needs and Moddable's 8N1 `embedded:io/serial` lacks — parity, run-time speed/format changes, a software receive
 * buffer deeper than the ESP8266's 128-byte FIFO, and the swapped UART0 pins (GPIO13/15) on ESP8266.
 */
declare module 'airboot/serial' {
  export interface SerialFormat {
    baud: number;
    dataBits?: 7 | 8;
    parity?: 'none' | 'even' | 'odd';
    stopBits?: 1 | 2;
  }

  export default class Serial {
    constructor(
      options: SerialFormat & {
        /** UART number (ESP32: 0–2; ESP8266: 0). */
        port?: number;
        /** ESP8266: UART0 on GPIO13 (RX) / GPIO15 (TX), away from the boot ROM's messages. */
        swap?: boolean;
        /** ESP32: pin numbers. */
        receive?: number;
        transmit?: number;
        /** Software receive buffer, bytes. */
        receiveBufferBytes?: number;
        onReadable?: (count: number) => void;
        onWritable?: (count: number) => void;
        onError?: () => void;
      },
    );
    read(max?: number): ArrayBuffer | undefined;
    write(bytes: ArrayBuffer | ArrayBufferView): number;
    configure(format: SerialFormat): void;
    close(): void;
  }
}
