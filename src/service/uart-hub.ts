/**
 * The application UART shared by every network client: raw bridge sockets, RFC 2217 sessions and WebSocket
 * terminals. UART output goes to all of them; their input goes to the UART under a write policy. A flash job takes
 * the UART away for a while (acquire/release): clients are told, and what they write meanwhile is held back
 * (bounded) and sent once the application runs again.
 *
 * Bounded everywhere: the hub never queues more than `holdCapacity` bytes of client input, and each client's own
 * output queue is the client's business (it drops and counts, so a slow reader cannot stall the UART).
 */
import type { Log, Serial, SerialProvider, Timer, UartSettings } from '../io/contracts.js';
import { formatName, silentLog } from '../io/contracts.js';

/** `shared`: every client may write. `exclusive`: the first client that writes owns input until it leaves. */
export type WritePolicy = 'shared' | 'exclusive';

export type ClientKind = 'raw' | 'rfc2217' | 'websocket';

/** What a client connection offers the hub. */
export interface UartSink {
  /** UART output for this client; the client queues it (bounded) or drops and counts. */
  deliver(bytes: Uint8Array): void;
  /** A line for people (flash started/finished). Called only when notices are enabled. */
  notice?(text: string): void;
  /** The UART's speed or format changed (RFC 2217 sessions report it). */
  settingsChanged?(settings: UartSettings): void;
}

/** Counters of one client, as /api/status and the control port's `status` show them. */
export interface ClientStats {
  readonly id: number;
  readonly kind: ClientKind;
  readonly remote: string;
  /** Bytes of UART output handed to this client. */
  toClientBytes: number;
  /** Bytes from this client forwarded to the UART. */
  fromClientBytes: number;
  /** UART output this client could not take (its queue was full). */
  droppedBytes: number;
  /** Client input refused: another client owns input (`exclusive`), or the UART queue (or the hold buffer during a flash) was full. */
  refusedBytes: number;
}

export type WriteOutcome = 'sent' | 'held' | 'refused';

/** A client attached to the hub. */
export class UartClient {
  readonly stats: ClientStats;
  constructor(
    private readonly hub: UartHub,
    readonly sink: UartSink,
    id: number,
    kind: ClientKind,
    remote: string,
  ) {
    this.stats = { id, kind, remote, toClientBytes: 0, fromClientBytes: 0, droppedBytes: 0, refusedBytes: 0 };
  }

  /** Forward bytes to the UART, subject to the write policy and to flash jobs. */
  write(bytes: Uint8Array): WriteOutcome {
    return this.hub.writeFrom(this, bytes);
  }

  /** The client's queue was full: `count` bytes of UART output were not delivered. */
  countDropped(count: number): void {
    this.stats.droppedBytes += count;
  }

  detach(): void {
    this.hub.detach(this);
  }
}

export interface UartHubOptions {
  /** Opens the application UART. */
  provider: SerialProvider;
  /** The application's UART settings (restored after every flash job). */
  settings: UartSettings;
  timer: Timer;
  log?: Log;
  policy?: WritePolicy;
  /** Most clients at once across all kinds; more are refused with a message. Default 8. */
  maxClients?: number;
  /** Most client bytes held back while the UART is taken (flash job). Default 1024. */
  holdCapacity?: number;
  /** Tell clients when a flash job takes and returns the UART. Default true. */
  notices?: boolean;
}

/** The UART while a flash job has it: the job opens its own channel with `provider`, then calls `release()`. */
export interface UartLease {
  readonly provider: SerialProvider;
  release(): void;
}

export class UartHub {
  private serial: Serial | undefined;
  private settingsNow: UartSettings;
  private readonly clientList: UartClient[] = [];
  private nextId = 1;
  private owner: UartClient | undefined;
  private lease: { purpose: string } | undefined;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** UART input not yet accepted by the port (it would block); bounded by `holdCapacity`. */
  private pendingOut: Uint8Array[] = [];
  private pendingOutBytes = 0;
  /** Told when room frees up in the UART queue or the hold buffer (see `onWritable`); one per service. */
  private writableListeners: (() => void)[] = [];
  readonly totals = { fromUart: 0, toUart: 0 };
  policy: WritePolicy;
  notices: boolean;
  maxClients: number;
  private readonly log: Log;
  private readonly holdCapacity: number;

  constructor(private readonly options: UartHubOptions) {
    this.settingsNow = { ...options.settings };
    this.policy = options.policy ?? 'shared';
    this.notices = options.notices ?? true;
    this.maxClients = options.maxClients ?? 8;
    this.log = options.log ?? silentLog;
    this.holdCapacity = options.holdCapacity ?? 1024;
  }

  /** Open the UART with the application settings. */
  open(): void {
    if (this.serial || this.lease) return;
    this.serial = this.options.provider({
      ...this.settingsNow,
      onReadable: () => this.pull(),
      onWritable: () => {
        this.flushOut();
        this.tellWritable();
      },
      onError: (error) => this.log('error', `UART failed: ${error.message}`),
    });
  }

  close(): void {
    this.serial?.close();
    this.serial = undefined;
    for (const client of [...this.clientList]) this.detach(client);
  }

  get settings(): UartSettings {
    return { ...this.settingsNow };
  }

  /** Whether a flash job holds the UART, and for what. */
  get takenFor(): string | undefined {
    return this.lease?.purpose;
  }

  get clients(): readonly ClientStats[] {
    return this.clientList.map((client) => client.stats);
  }

  /** Attach a client, or get the reason it is refused (too many clients). */
  attach(kind: ClientKind, remote: string, sink: UartSink): UartClient | { refused: string } {
    if (this.clientList.length >= this.maxClients) {
      return { refused: `airboot: all ${this.maxClients} client slots are in use; try again later` };
    }
    const client = new UartClient(this, sink, this.nextId++, kind, remote);
    this.clientList.push(client);
    this.log('info', `${kind} client ${client.stats.id} from ${remote} attached`);
    return client;
  }

  detach(client: UartClient): void {
    const index = this.clientList.indexOf(client);
    if (index < 0) return;
    this.clientList.splice(index, 1);
    if (this.owner === client) this.owner = undefined;
    this.log('info', `${client.stats.kind} client ${client.stats.id} detached`);
  }

  /** Change speed or format now (RFC 2217, control port `baud`/`format`); never persisted from here. */
  configure(settings: UartSettings): void {
    this.settingsNow = { ...settings };
    if (!this.lease) this.serial?.configure(this.settingsNow);
    for (const client of this.clientList) client.sink.settingsChanged?.(this.settings);
  }

  setBreak(on: boolean): boolean {
    if (!this.serial?.setBreak) return false;
    this.serial.setBreak(on);
    return true;
  }

  /** Drop UART input waiting in the port (RFC 2217 PURGE-DATA receive) and/or output not yet sent (transmit). */
  purge(receive: boolean, transmit: boolean): void {
    if (receive) while (this.serial?.read() !== undefined) {}
    if (transmit) {
      this.pendingOut = [];
      this.pendingOutBytes = 0;
      this.tellWritable();
    }
  }

  /**
   * Take the UART for a flash job: clients are told, their input is held back, the hub's port is closed so the job
   * can open it with the bootloader's settings. Only one lease at a time; a second caller gets an Error.
   */
  acquire(purpose: string): UartLease {
    if (this.lease) throw new Error(`the UART is already taken for ${this.lease.purpose}`);
    const lease = { purpose };
    this.lease = lease;
    this.serial?.close();
    this.serial = undefined;
    this.pendingOut = [];
    this.pendingOutBytes = 0;
    this.announce(`\r\n[airboot: ${purpose} started; serial paused]\r\n`);
    this.tellWritable();
    let released = false;
    return {
      provider: this.options.provider,
      release: () => {
        if (released) return;
        released = true;
        this.lease = undefined;
        this.open();
        this.announce(
          `\r\n[airboot: ${purpose} finished; serial resumed at ${this.settingsNow.baud} ${formatName(this.settingsNow)}]\r\n`,
        );
        const held = this.held;
        this.held = [];
        this.heldBytes = 0;
        for (const bytes of held) this.send(bytes);
        this.tellWritable();
      },
    };
  }

  /** @internal Called by UartClient.write. */
  writeFrom(client: UartClient, bytes: Uint8Array): WriteOutcome {
    if (this.policy === 'exclusive') {
      if (!this.owner) this.owner = client;
      if (this.owner !== client) {
        client.stats.refusedBytes += bytes.length;
        return 'refused';
      }
    }
    if (this.lease) {
      if (this.heldBytes + bytes.length > this.holdCapacity) {
        client.stats.refusedBytes += bytes.length;
        return 'refused';
      }
      this.held.push(bytes.slice());
      this.heldBytes += bytes.length;
      client.stats.fromClientBytes += bytes.length;
      return 'held';
    }
    if (!this.send(bytes)) {
      client.stats.refusedBytes += bytes.length;
      return 'refused';
    }
    client.stats.fromClientBytes += bytes.length;
    return 'sent';
  }

  /** Bytes the UART output queue can still take; a client should not send more than this at once. */
  get writableBytes(): number {
    return this.lease ? this.holdCapacity - this.heldBytes : this.holdCapacity - this.pendingOutBytes;
  }

  /**
   * Call `listener` whenever room may have freed up for client input (`writableBytes`): the port took queued bytes,
   * a flash job took or returned the UART, or the output queue was purged. A service that stopped reading its
   * sockets for want of room reads again then. Returns the function that unsubscribes.
   */
  onWritable(listener: () => void): () => void {
    this.writableListeners.push(listener);
    return () => {
      this.writableListeners = this.writableListeners.filter((each) => each !== listener);
    };
  }

  private tellWritable(): void {
    if (this.writableBytes <= 0) return;
    for (const listener of [...this.writableListeners]) listener();
  }

  /** Queue bytes for the UART; false (nothing queued) when the bounded queue cannot take them all. */
  private send(bytes: Uint8Array): boolean {
    if (this.pendingOutBytes + bytes.length > this.holdCapacity) {
      this.log('warn', `UART output queue full; ${bytes.length} byte(s) refused`);
      return false;
    }
    this.pendingOut.push(bytes.slice());
    this.pendingOutBytes += bytes.length;
    this.flushOut();
    return true;
  }

  private flushOut(): void {
    const serial = this.serial;
    if (!serial) return;
    while (this.pendingOut.length > 0) {
      const head = this.pendingOut[0]!;
      try {
        serial.write(head);
      } catch (error) {
        const room =
          (error as { code?: string; room?: number }).code === 'WOULD_BLOCK'
            ? ((error as { room?: number }).room ?? 0)
            : -1;
        if (room < 0) {
          this.log('error', `UART write failed: ${(error as Error).message}`);
          this.pendingOut = [];
          this.pendingOutBytes = 0;
          return;
        }
        if (room > 0) {
          serial.write(head.subarray(0, room));
          this.pendingOut[0] = head.subarray(room);
          this.pendingOutBytes -= room;
          this.totals.toUart += room;
        }
        return; // wait for onWritable
      }
      this.pendingOut.shift();
      this.pendingOutBytes -= head.length;
      this.totals.toUart += head.length;
    }
  }

  private pull(): void {
    for (;;) {
      const bytes = this.serial?.read(512);
      if (!bytes || bytes.length === 0) return;
      this.totals.fromUart += bytes.length;
      for (const client of this.clientList) {
        client.stats.toClientBytes += bytes.length;
        client.sink.deliver(bytes);
      }
    }
  }

  private announce(text: string): void {
    if (!this.notices) return;
    for (const client of this.clientList) client.sink.notice?.(text);
  }
}
