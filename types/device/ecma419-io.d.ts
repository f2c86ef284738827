/**
 * The ECMA-419 IO classes airboot's device build uses, declared from the ECMA-419 specification (2nd edition, §9
 * "IO class pattern", §10.3 Digital, §10.6 Serial, §10.8 TCP socket, §10.9 Listener socket, §10.10 UDP socket).
 * Only the members airboot calls are declared. Buffers are ArrayBuffer (`format: "buffer"`, the default).
 */

declare module 'embedded:io/digital' {
  /** ECMA-419 §10.3: one GPIO line. Modes are static properties of the class. */
  export default class Digital {
    constructor(options: {
      pin: number;
      mode: number;
      onReadable?: () => void;
    });
    /** 0 or 1, the electrical level. */
    read(): number;
    write(value: number): void;
    close(): void;
    static readonly Input: number;
    static readonly InputPullUp: number;
    static readonly Output: number;
    /** Drives low, floats for 1 (NRST has its own pull-up inside the STM32). */
    static readonly OutputOpenDrain: number;
  }
}

declare module 'embedded:io/serial' {
  /** ECMA-419 §10.6: a UART, 8N1 (airboot uses its native module for 8E1: firmware/native/serial/airboot_serial.d.ts). */
  export default class Serial {
    constructor(options: {
      baud: number;
      port?: number;
      receive?: number;
      transmit?: number;
      onReadable?: (count: number) => void;
      onWritable?: (count: number) => void;
      onError?: () => void;
    });
    read(count?: number): ArrayBuffer | undefined;
    write(bytes: ArrayBuffer | ArrayBufferView): number;
    close(): void;
  }
}

declare module 'embedded:io/socket/tcp' {
  /** ECMA-419 §10.8. A server side is made with `from: listener.read()`. */
  export default class TCP {
    constructor(options: {
      address?: string;
      port?: number;
      from?: TCP;
      nodelay?: boolean;
      onReadable?: (count: number) => void;
      onWritable?: (count: number) => void;
      onError?: () => void;
    });
    /** Up to `count` bytes (all waiting when omitted), or undefined when none wait. */
    read(count?: number): ArrayBuffer | undefined;
    /** Returns the output space left; throws when the bytes do not fit. */
    write(bytes: ArrayBuffer | ArrayBufferView): number;
    close(): void;
    readonly remoteAddress: string;
    readonly remotePort: number;
  }
}

declare module 'embedded:io/socket/listener' {
  import type TCP from 'embedded:io/socket/tcp';
  /**
   * ECMA-419 §10.9: `onReadable(count)` = connections waiting; `read()` hands one to `new TCP({ from })`. Moddable's
   * lwIP listener (modules/io/socket/lwip) reads no `onError`, so none is declared.
   */
  export default class Listener {
    constructor(options: {
      port: number;
      address?: string;
      onReadable?: (count: number) => void;
    });
    read(): TCP | undefined;
    close(): void;
  }
}

declare module 'embedded:io/socket/udp' {
  /** ECMA-419 §10.10: one datagram per read; the packet carries its sender as `address` and `port`. */
  export default class UDP {
    constructor(options: {
      port?: number;
      address?: string;
      onReadable?: (packets: number) => void;
      onError?: () => void;
    });
    read(): (ArrayBuffer & { readonly address: string; readonly port: number }) | undefined;
    write(bytes: ArrayBuffer | ArrayBufferView, address: string, port: number): void;
    close(): void;
  }
}
