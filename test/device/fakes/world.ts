/**
 * The world the device firmware runs in under test: the fakes of Moddable's modules (this folder, put in place of
 * `embedded:*`, `timer`, `wifi`, … by tools/test-device.ts) read and record everything here. A test calls
 * resetWorld() and wires a simulated STM32, an in-memory network and flash before it starts the firmware.
 */
import type { Datagram, Digital, SerialProvider } from '../../../src/io/contracts.js';
import { LoopbackNetwork } from '../../../src/io/loopback-net.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { MemoryFlashRegion } from '../../../src/service/staging.js';

export interface UdpBinding {
  port: number;
  inbox: Datagram[];
  sent: Array<{ bytes: Uint8Array; address: string; port: number }>;
  onReadable: (count: number) => void;
  closed: boolean;
}

export interface World {
  clock: VirtualClock;
  network: LoopbackNetwork;
  /** The target's UART as the native module would reach it. */
  uart: SerialProvider | undefined;
  /** Options the firmware opened the native UART with. */
  uartOptions: Record<string, unknown>[];
  /** Formats passed to the native UART's configure(), in order. */
  uartConfigured: Record<string, unknown>[];
  /** GPIO number → the target line wired to it. */
  pins: Map<number, Digital>;
  /** GPIO number → the mode it was opened in ("Output", "OutputOpenDrain"). */
  pinModes: Map<number, string>;
  preferences: Map<string, string | number | boolean>;
  partitions: Map<string, MemoryFlashRegion>;
  resources: Map<string, Uint8Array>;
  udp: UdpBinding[];
  wifi: {
    calls: string[];
    /** The station monitor's callback (Moddable's WiFi instance). */
    notify: ((message: string) => void) | undefined;
    ip: { station: string | undefined; ap: string | undefined };
    mac: string;
  };
  mdns: { hostName: string | undefined; services: Array<{ name: string; txt?: Record<string, string> }> };
  traces: string[];
  config: Record<string, unknown>;
  /** The ESP32's OTA slot ("nextota"), when the board has one; `bootImage` is what complete() made bootable. */
  ota: { slotBytes: number; bootImage: Uint8Array | undefined } | undefined;
  /** System.restart() calls. */
  restarts: number;
}

export let world: World = blankWorld();

export function resetWorld(): World {
  world = blankWorld();
  return world;
}

function blankWorld(): World {
  const clock = new VirtualClock();
  return {
    clock,
    network: new LoopbackNetwork(clock),
    uart: undefined,
    uartOptions: [],
    uartConfigured: [],
    pins: new Map(),
    pinModes: new Map(),
    preferences: new Map(),
    partitions: new Map([['storage', new MemoryFlashRegion(256 * 1024, 4096)]]),
    resources: new Map(),
    udp: [],
    wifi: {
      calls: [],
      notify: undefined,
      ip: { station: undefined, ap: undefined },
      mac: '5c:cf:7f:12:ab:cd',
    },
    mdns: { hostName: undefined, services: [] },
    traces: [],
    config: { board: 'nodemcu', version: '1.2.3-test', log: 'info' },
    ota: undefined,
    restarts: 0,
  };
}

/** Copy `bytes` into an ArrayBuffer of their own, as a native module hands them over. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}
