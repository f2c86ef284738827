/**
 * Moddable SDK modules airboot's device build uses, declared from Moddable's documentation (documentation/base,
 * files, network, tools). Only the members airboot calls are declared.
 */

/** Moddable's debug output (xsbug, or the serial console in a release build). */
declare function trace(...values: unknown[]): void;

declare module 'timer' {
  const Timer: {
    /** Call `callback` once after `ms`; returns the timer's id. */
    set(callback: (id: unknown) => void, ms?: number): unknown;
    repeat(callback: (id: unknown) => void, ms: number): unknown;
    clear(id: unknown): void;
  };
  export default Timer;
}

declare module 'time' {
  const Time: {
    /** Milliseconds from an arbitrary origin (boot), monotonic. */
    readonly ticks: number;
  };
  export default Time;
}

declare module 'preference' {
  /** Key-value store in flash. On ESP8266 keys are ≤ 32 characters and values ≤ 63 bytes (files.md). */
  const Preference: {
    get(domain: string, key: string): string | number | boolean | ArrayBuffer | undefined;
    set(domain: string, key: string, value: string | number | boolean | ArrayBuffer): void;
    delete(domain: string, key: string): void;
    keys(domain: string): string[];
  };
  export default Preference;
}

declare module 'flash' {
  /** A flash partition by name (ESP8266: "xs", "storage"; ESP32: a partition-table name). */
  export default class Flash {
    constructor(partition: string);
    /** Erase one sector (index, not offset). */
    erase(sector: number): void;
    read(offset: number, byteLength: number): ArrayBuffer;
    write(offset: number, byteLength: number, buffer: ArrayBuffer | ArrayBufferView): void;
    /** Bytes in the partition. */
    readonly byteLength: number;
    /** Bytes in one erase sector. */
    readonly blockSize: number;
  }
}

declare module 'embedded:storage/flash' {
  /** ECMA-419 flash storage as Moddable implements it on ESP32 (modules/io/flash): a partition opened by name. */
  export interface Flash {
    /** `size` in bytes of the partition, `blockLength` of one erase block. */
    status(): { size: number; blockLength: number };
    close(): void;
  }
  const FlashStorage: {
    /** "nextota": the OTA partition the next update goes to; `mode` "r+" to write it. */
    open(options: { path: string; mode?: 'r' | 'r+' }): Flash;
  };
  export default FlashStorage;
}

declare module 'embedded:update' {
  import type { Flash } from 'embedded:storage/flash';
  /** ECMA-419 firmware update (Moddable modules/io/update, ESP32 only): ESP-IDF's esp_ota_* underneath. */
  export interface Updater {
    write(bytes: ArrayBuffer | ArrayBufferView): void;
    /** Check the image (esp_ota_end) and make its partition the one that boots; throws when it is not valid. */
    complete(): void;
    /** Free the updater; without complete() the update is abandoned. */
    close(): void;
  }
  const Update: {
    open(options: { partition: Flash; byteLength?: number }): Updater;
  };
  export default Update;
}

declare module 'Resource' {
  /** A file from the manifest's `resources`, mapped from flash without copying it to RAM. */
  export default class Resource extends ArrayBuffer {
    constructor(path: string);
    static exists(path: string): boolean;
  }
}

declare module 'wifi' {
  export interface WiFiStationOptions {
    ssid: string;
    password?: string;
  }
  export interface WiFiAccessPointOptions {
    ssid: string;
    password?: string;
    channel?: number;
    hidden?: boolean;
    /** Most stations at once. */
    max?: number;
    /** Keep station mode on alongside the access point. */
    station?: boolean;
  }
  export default class WiFi {
    /** Connects as a station and reports each state change to `callback`. */
    constructor(options: WiFiStationOptions, callback: (message: string) => void);
    close(): void;
    static connect(options?: WiFiStationOptions): void;
    static disconnect(): void;
    static accessPoint(options: WiFiAccessPointOptions): void;
    /** Station, access point, or both; setting it switches the radio. */
    static mode: number;
    static readonly Mode: { readonly station: number; readonly accessPoint: number };
    static readonly gotIP: string;
    static readonly lostIP: string;
    static readonly connected: string;
    static readonly disconnected: string;
  }
}

declare module 'net' {
  const Net: {
    /** "IP", "MAC", "SSID"; `interface` "ap" or "station" where both run. */
    get(property: 'IP' | 'MAC' | 'SSID', interfaceName?: 'ap' | 'station'): string | undefined;
  };
  export default Net;
}

declare module 'mdns' {
  export interface MdnsService {
    name: string;
    protocol: 'tcp' | 'udp';
    port: number;
    txt?: Record<string, string>;
  }
  export default class MDNS {
    /** Claims `hostName`.local; `callback(1, name)` when claimed (a conflict renames it). */
    constructor(options: { hostName: string }, callback?: (message: number, value: unknown) => void);
    add(service: MdnsService): void;
    update(service: MdnsService): void;
    remove(service: MdnsService): void;
    close(): void;
  }
}

declare module 'instrumentation' {
  /** Counters by index; `map(name)` finds the index of a named one (e.g. "Chunk used", "Slot used"). */
  const Instrumentation: {
    get(index: number): number | undefined;
    map(name: string): number | undefined;
  };
  export default Instrumentation;
}

declare module 'mc/config' {
  /** The manifest's `config` object. */
  const config: Record<string, unknown>;
  export default config;
}
