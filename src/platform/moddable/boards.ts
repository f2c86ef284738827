/**
 * The boards airboot's firmware is built for: where the STM32's UART, BOOT0 and NRST go by default, and how much
 * memory each service may take (docs/device.md has the arithmetic behind the ESP8266 numbers). The settings
 * `pins.boot0` / `pins.nrst` ("gpioN") and `pins.*Invert` override the pins at the next start.
 */
import type { BridgeBudget } from '../../app/bridge.js';
import { DeviceError } from './errors.js';
import type { UartPins } from './serial.js';

export interface TargetPin {
  /** GPIO number. */
  pin: number;
  /** The GPIO's level is the opposite of the target pin's (an inverting transistor). */
  invert?: boolean;
  /** Drive low, float for high (NRST). */
  openDrain?: boolean;
}

export type BoardName = 'nodemcu' | 'esp01' | 'esp32';

export interface BoardProfile {
  name: BoardName | 'lin';
  /** What the board is, for the log and status page. */
  description: string;
  uart: UartPins;
  boot0: TargetPin | undefined;
  nrst: TargetPin | undefined;
  /** The board's own LED, used as a status light (service/status-light.ts); undefined when it has none free. */
  led: TargetPin | undefined;
  /**
   * Reset the target into its application at start. The ESP-01 must hold GPIO0/GPIO2 high while it boots, so an
   * STM32 reset at the same time may see BOOT0 high and stay in its bootloader: airboot resets it once it runs.
   */
  resetTargetAtStart: boolean;
  /** Per-connection buffers and connection counts for the Bridge. */
  budget: BridgeBudget;
  /** Most TCP connections open at once, all services together. */
  maxConnections: number;
  /** Most bytes a HEX/S-record upload may decode to in RAM (a .bin streams from flash whatever its size). */
  maxDecodedImageBytes: number;
  /**
   * Flash partition that stages uploads, and the bytes of RAM it buffers writes through. The Linux simulator has
   * no flash module: firmware/lin/main.ts stages in a RAM region of the partition's usual size instead.
   */
  stagingPartition: string;
  stagingWriteBufferBytes: number;
  /** Most stations on the access point at once. */
  maxApStations: number;
}

/** The budget of an ESP8266: one 32 KB XS heap for everything (docs/device.md). */
const ESP8266_BUDGET: BridgeBudget = Object.freeze({
  maxBridgeClients: 2,
  clientQueueBytes: 1024,
  // The page, its event stream and the WebSocket terminal: a browser needs three at once.
  maxHttpConnections: 3,
  httpOutputBytes: 1024,
  httpReadChunkBytes: 512,
  http: { maxRequestLineBytes: 512, maxHeaderLineBytes: 512, maxHeaderBytes: 2048, maxHeaderCount: 24 },
  terminal: { queueBytes: 1024, frameBytes: 256, maxMessageBytes: 1024, maxNotices: 2 },
});

const BOARDS: Readonly<Record<BoardName, BoardProfile>> = Object.freeze({
  nodemcu: {
    name: 'nodemcu',
    description: 'ESP8266 NodeMCU / Wemos D1 mini',
    // UART0 on GPIO1 (TX) / GPIO3 (RX), the pins marked TX/RX; `swap` moves it to D7 (GPIO13, RX) / D8 (GPIO15, TX).
    uart: { port: 0, swap: false, receiveBufferBytes: 1024 },
    boot0: { pin: 4 }, // D2
    nrst: { pin: 5, openDrain: true }, // D1
    // The ESP-12's blue LED between GPIO2 (D4) and 3.3 V: lit when GPIO2 is low.
    led: { pin: 2, invert: true },
    resetTargetAtStart: false,
    budget: ESP8266_BUDGET,
    maxConnections: 6,
    maxDecodedImageBytes: 6 * 1024,
    stagingPartition: 'storage',
    stagingWriteBufferBytes: 256,
    maxApStations: 2,
  },
  esp01: {
    name: 'esp01',
    description: 'ESP8266 ESP-01 / ESP-01S',
    uart: { port: 0, swap: false, receiveBufferBytes: 1024 },
    // GPIO0 and GPIO2 must be high while the ESP boots (low GPIO0 = its own download mode). NRST open-drain on
    // GPIO0 is pulled high by the STM32; BOOT0 on GPIO2 is high during the ESP's boot, hence resetTargetAtStart.
    boot0: { pin: 2 },
    nrst: { pin: 0, openDrain: true },
    // The ESP-01S LED is on GPIO2, which drives BOOT0 here; the ESP-01's is on TX.
    led: undefined,
    resetTargetAtStart: true,
    budget: ESP8266_BUDGET,
    maxConnections: 6,
    maxDecodedImageBytes: 6 * 1024,
    stagingPartition: 'storage',
    stagingWriteBufferBytes: 256,
    maxApStations: 2,
  },
  esp32: {
    name: 'esp32',
    description: 'ESP32 DevKit',
    // UART2 on GPIO16 (RX) / GPIO17 (TX); UART0 keeps the ESP's console and xsbug.
    uart: { port: 2, receive: 16, transmit: 17, receiveBufferBytes: 4096 },
    boot0: { pin: 4 },
    nrst: { pin: 5, openDrain: true },
    // The blue LED of the common DevKit V1 boards, lit when GPIO2 is high (DevKitC has none: set nothing is lost).
    led: { pin: 2 },
    resetTargetAtStart: false,
    budget: {
      maxBridgeClients: 4,
      clientQueueBytes: 4096,
      maxHttpConnections: 4,
      terminal: { queueBytes: 4096, frameBytes: 1024, maxMessageBytes: 8192 },
    },
    maxConnections: 12,
    maxDecodedImageBytes: 256 * 1024,
    stagingPartition: 'storage',
    stagingWriteBufferBytes: 1024,
    maxApStations: 4,
  },
});

/**
 * Moddable's Linux simulator (`mcconfig -p lin`, firmware/lin): the same services on the host's network, the
 * target's UART on a serial device or pty given at build time, no GPIOs for BOOT0/NRST (start the chip in its
 * bootloader, e.g. `airboot sim --pty PATH --boot bootloader`), uploads staged in RAM. A budget like the ESP32's.
 */
export function linBoard(device: string, pty: boolean): BoardProfile {
  return {
    ...BOARDS.esp32,
    name: 'lin',
    description: `Moddable Linux simulator, target UART ${device}`,
    uart: { port: 0, device, pty, receiveBufferBytes: 4096 },
    boot0: undefined,
    nrst: undefined,
    led: undefined,
    stagingPartition: 'ram',
  };
}

export function boardProfile(name: string): BoardProfile {
  const board = (BOARDS as Record<string, BoardProfile>)[name];
  if (!board) {
    throw new DeviceError('BOARD_UNKNOWN', `no board "${name}"; known: ${Object.keys(BOARDS).join(', ')}`);
  }
  return board;
}

/**
 * The pin for a `pins.*` setting: "gpioN" → GPIO N; "none" → not wired; anything else (a PC's "rts"/"dtr", the
 * schema's defaults) → the board's. `invert` flips the board's polarity.
 */
export function pinFromSetting(
  setting: string,
  invert: boolean,
  boardDefault: TargetPin | undefined,
): TargetPin | undefined {
  if (setting === 'none') return undefined;
  const gpio = /^gpio(\d{1,2})$/.exec(setting);
  const base = gpio ? { ...boardDefault, pin: Number(gpio[1]) } : boardDefault;
  if (!base) return undefined;
  return { ...base, invert: (base.invert ?? false) !== invert };
}

/** "GPIO5 (open-drain)", "GPIO4 inverted": for the status page's wiring line. */
export function describePin(name: string, spec: TargetPin | undefined): string {
  if (!spec) return `${name}=none`;
  const notes = [spec.invert ? 'inverted' : '', spec.openDrain ? 'open-drain' : ''].filter(Boolean);
  return `${name}=GPIO${spec.pin}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
}
