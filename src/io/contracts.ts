/**
 * The IO contracts every portable module is written against. Their shapes follow ECMA-419 (Ecma's Embedded
 * ECMAScript API, 1st edition §9 "IO class pattern"): callbacks are given when an object is made, `onReadable(count)`
 * says how many bytes wait (it does not deliver them), `read()` takes them, and `write()` returns the space left.
 *
 * Node adapters live in platform/node, device adapters in platform/moddable, test doubles in sim/ and io/.
 */

/** Bytes as both engines hand them over at the IO boundary. */
export type Bytes = Uint8Array | ArrayBuffer;

/** Copy-free view of `Bytes` as a Uint8Array. */
export function asUint8(bytes: Bytes): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
}

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space';

/** Character format and speed of a UART. ECMA-419 reserves `data`, `parity` and `stop` for this; 8N1 is its default. */
export interface UartSettings {
  /** Bits per second. */
  baud: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: Parity;
  stopBits: 1 | 1.5 | 2;
}

export const UART_8N1: Readonly<UartSettings> = Object.freeze({
  baud: 115200,
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
});

/** Number of bit-times one character takes on the wire: start + data + parity + stop. */
export function bitsPerCharacter(settings: UartSettings): number {
  return 1 + settings.dataBits + (settings.parity === 'none' ? 0 : 1) + settings.stopBits;
}

/** The usual short form: `8N1`, `8E1`, `7O2`. */
export function formatName(settings: UartSettings): string {
  return `${settings.dataBits}${settings.parity[0]!.toUpperCase()}${settings.stopBits}`;
}

/** Parse `8N1`, `8E1`, `7O2`, `8N1.5` into the format part of UartSettings; undefined when malformed. */
export function parseFormat(text: string): Omit<UartSettings, 'baud'> | undefined {
  const match = /^([5-8])([NEOMS])(1|1\.5|2)$/i.exec(text.trim());
  if (!match) return undefined;
  const parity = ({ N: 'none', E: 'even', O: 'odd', M: 'mark', S: 'space' } as const)[
    match[2]!.toUpperCase() as 'N' | 'E' | 'O' | 'M' | 'S'
  ];
  return {
    dataBits: Number(match[1]) as UartSettings['dataBits'],
    parity,
    stopBits: Number(match[3]) as UartSettings['stopBits'],
  };
}

export interface IoCallbacks {
  /** `count` bytes are waiting to be read. */
  onReadable?: (count: number) => void;
  /** `count` bytes of output space became free. */
  onWritable?: (count: number) => void;
  /** The channel failed (device unplugged, socket reset); no more data will come. */
  onError?: (error: Error) => void;
}

/** A UART (ECMA-419 §10.6 Serial), with airboot's extension to change speed and format while open. */
export interface Serial {
  /** Take up to `max` waiting bytes (all of them when omitted); undefined when none wait. */
  read(max?: number): Uint8Array | undefined;
  /** Queue bytes for output; returns the output space left. Throws when the bytes do not fit ("would block"). */
  write(bytes: Bytes): number;
  /** Change speed and character format; takes effect for the next byte. */
  configure(settings: UartSettings): void;
  /** Stop sending a BREAK condition or start one (RFC 2217 SET-CONTROL 5/6). Optional: not every UART can. */
  setBreak?(on: boolean): void;
  close(): void;
}

/** Opens a Serial with the given settings and callbacks, as an ECMA-419 constructor would. */
export type SerialProvider = (options: UartSettings & IoCallbacks) => Serial;

/** One digital line (ECMA-419 §10.3 Digital). 1 is electrically high. */
export interface Digital {
  read(): 0 | 1;
  write(value: 0 | 1): void;
  close(): void;
}

export type TimerHandle = unknown;

/**
 * Time, injected because XS has no global timers (Moddable: `Timer.set`/`Timer.clear`). `now()` is in
 * milliseconds from an arbitrary origin and may have a fractional part.
 */
export interface Timer {
  set(callback: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle): void;
  now(): number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where diagnostics go (the console on Node, `trace` on XS). */
export type Log = (level: LogLevel, message: string) => void;

export const silentLog: Log = () => {};

/** Promise-based pause on an injected timer. */
export function sleep(timer: Timer, ms: number): Promise<void> {
  return new Promise((resolve) => {
    timer.set(resolve, ms);
  });
}

/** A TCP connection (ECMA-419 §10.8 TCP socket). `onError` also reports the peer closing (`onClose` when known). */
export interface TcpSocket {
  read(max?: number): Uint8Array | undefined;
  /** Queue bytes; returns space left; throws WouldBlockError when the bounded output queue is full. */
  write(bytes: Bytes): number;
  close(): void;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface TcpCallbacks extends IoCallbacks {
  /**
   * The peer finished sending (end of stream). What it sent can still be read, and the socket can still be
   * written until close(): a service answers the commands it got, then closes.
   */
  onClose?: () => void;
}

/** Accepts TCP connections (ECMA-419 §10.9 Listener: `onReadable(count)` = connections waiting). */
export interface Listener {
  /** Adopt the next waiting connection with these callbacks (ECMA-419: `new TCP({ from: listener.read() })`). */
  accept(callbacks: TcpCallbacks): TcpSocket | undefined;
  close(): void;
  /** The port actually bound (useful when asked for port 0). */
  readonly port: number;
}

export type ListenerProvider = (options: {
  port: number;
  host?: string;
  onReadable: (count: number) => void;
  onError?: (error: Error) => void;
}) => Listener;

/** Key-value storage (ECMA-419 3rd ed. key-value; a JSON file on Node). Values are strings. */
export interface Storage {
  /** Most bytes (UTF-8) one value may take, when the store has a limit (Moddable Preference on ESP8266: 63). */
  readonly maxValueBytes?: number;
  read(key: string): string | undefined;
  write(key: string, value: string): void;
  delete(key: string): void;
}

/** One UDP datagram and where it came from (ECMA-419 §10.10: a read returns one packet with its sender). */
export interface Datagram {
  bytes: Uint8Array;
  address: string;
  port: number;
}

/** A UDP socket (ECMA-419 §10.10 UDP socket). */
export interface UdpSocket {
  /** The next waiting datagram; undefined when none waits. */
  read(): Datagram | undefined;
  /** Send one datagram. */
  write(bytes: Bytes, address: string, port: number): void;
  close(): void;
}

/** Binds a UDP port; `onReadable(count)` = datagrams waiting. */
export type UdpProvider = (options: {
  port: number;
  onReadable: (count: number) => void;
  onError?: (error: Error) => void;
}) => UdpSocket;
