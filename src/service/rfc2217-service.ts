/**
 * The RFC 2217 serial port server (TCP 2217): the target's UART as a network serial port for pyserial's
 * `rfc2217://host:2217` and the tools built on it. A client sets speed and format (applied to the UART at once,
 * never persisted), drives DTR and RTS (mapped to NRST and BOOT0, by default as stm32loader wires them: DTR
 * asserted = reset held, RTS asserted = BOOT0 high), sends BREAK, purges buffers, and gets modem- and line-state
 * notifications through its masks. Data passes unchanged both ways; 0xFF travels as IAC IAC (RFC 854), which
 * matters because erased flash reads as all 0xFF.
 *
 * Like the raw bridge, every session is a client of the shared UartHub: it receives all UART output into a
 * bounded queue (drops counted, a client that takes nothing for `stallTimeoutMs` is disconnected), and its input
 * is read only as fast as the UART takes it, so TCP flow control holds a fast sender back.
 *
 * Flash-job notices are off by default here: a program, not a person, reads an RFC 2217 port, and text in the
 * data would be taken for the target's output. While a flash job holds the UART, setting changes and DTR/RTS
 * are refused (answered with the values in effect) and input waits in the socket.
 */
import type { Digital, Listener, ListenerProvider, Log, Timer, TimerHandle } from '../io/contracts.js';
import { bitsPerCharacter, silentLog } from '../io/contracts.js';
import { type LineMapping, STM32LOADER_LINES, TargetLines } from './rfc2217-lines.js';
import { Rfc2217Port } from './rfc2217-port.js';
import { Rfc2217Session, type SessionContext } from './rfc2217-session.js';
import type { ClientStats, UartHub } from './uart-hub.js';

/** The IANA port of the Telnet COM port control option's servers, as ser2net and pyserial use it. */
export const RFC2217_PORT = 2217;

export interface Rfc2217ServiceOptions {
  /** Where sockets come from: nodeListener on Node, the ECMA-419 Listener on the device, LoopbackNetwork in tests. */
  listen: ListenerProvider;
  hub: UartHub;
  timer: Timer;
  /** TCP port. Default 2217; 0 picks a free one (see `port`). */
  port?: number;
  /** Interface to listen on (the provider's default when absent). */
  host?: string;
  log?: Log;
  /** What DTR and RTS drive. Default STM32LOADER_LINES: DTR → NRST, RTS → BOOT0, asserted = active. */
  lines?: LineMapping;
  /** The BOOT0 line: the same Digital the TargetControl drives. Absent: not wired (RTS/DTR only keep their state). */
  boot0?: Digital;
  /** The NRST line: the same Digital the TargetControl drives. */
  nrst?: Digital;
  /** RFC 2217 clients at once; one more gets a refusal line and is closed. Default: only the hub's limit applies. */
  maxClients?: number;
  /** UART output held per client while its socket would block, wire bytes; beyond it output is dropped. Default 16 KiB. */
  queueBytes?: number;
  /** Disconnect a client that accepted no output for this long while output was pending, ms; 0: never. Default 30 000. */
  stallTimeoutMs?: number;
  /** Most bytes read from a client socket at once, bytes. Default 512. */
  readChunkBytes?: number;
  /**
   * Client bytes forwarded to the hub and not yet taken by the UART port, at most, bytes. Must not exceed the hub's
   * `holdCapacity` (its output queue, which drops beyond). Default 1024, the hub's default.
   */
  upstreamWindowBytes?: number;
  /** Put the hub's flash-job notices into the data stream. Default false (a program reads this port). */
  notices?: boolean;
  /** Answer to a client's SIGNATURE request (RFC 2217 §2). Default 'airboot'. */
  signature?: string;
  /**
   * When the last RFC 2217 client leaves with DTR or RTS asserted, put NRST and BOOT0 back to idle (released, low)
   * so the target is not left held in reset. Default true.
   */
  releaseLinesOnClose?: boolean;
}

/** One connected client as the service sees it. */
export interface Rfc2217ClientState {
  readonly stats: ClientStats;
  /** Wire bytes waiting for the socket. */
  readonly queuedBytes: number;
  /** The client suspended the flow (FLOWCONTROL-SUSPEND). */
  readonly suspended: boolean;
}

export class Rfc2217Service {
  /** DTR/RTS as clients set them, and the pins they drive. */
  readonly lines: TargetLines;
  private readonly listener: Listener;
  private readonly sessions: Rfc2217Session[] = [];
  private readonly context: SessionContext;
  private readonly log: Log;
  private readonly readChunkBytes: number;
  private readonly windowBytes: number;
  /** Client bytes this service handed to the hub as 'sent', and the hub's `toUart` count they are measured from. */
  private forwarded = 0;
  private baseline: number;
  /** Data bytes the hub held back for this service's clients since a flash job took the UART. */
  private heldDuringLease = 0;
  private upstreamTimer: TimerHandle | undefined;
  /** Where the next round of upstream reads starts, so no client starves the others. */
  private nextReader = 0;
  private closed = false;

  constructor(private readonly options: Rfc2217ServiceOptions) {
    this.log = options.log ?? silentLog;
    this.readChunkBytes = options.readChunkBytes ?? 512;
    this.windowBytes = options.upstreamWindowBytes ?? 1024;
    this.baseline = options.hub.totals.toUart;
    this.lines = new TargetLines({
      mapping: options.lines ?? STM32LOADER_LINES,
      boot0: options.boot0,
      nrst: options.nrst,
    });
    this.context = {
      hub: options.hub,
      port: new Rfc2217Port(options.hub, this.lines),
      timer: options.timer,
      log: this.log,
      queueBytes: options.queueBytes ?? 16 * 1024,
      stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
      notices: options.notices ?? false,
      signature: options.signature ?? 'airboot',
      forget: (session) => this.forget(session),
      pumpUpstream: () => this.pumpUpstream(),
    };
    this.listener = options.listen({
      port: options.port ?? RFC2217_PORT,
      host: options.host,
      onReadable: () => this.acceptAll(),
      onError: (error) => this.log('error', `rfc2217: ${error.message}`),
    });
  }

  /** The TCP port listened on. */
  get port(): number {
    return this.listener.port;
  }

  /** The clients connected now. */
  get clients(): readonly Rfc2217ClientState[] {
    return this.sessions.flatMap((session) => {
      const stats = session.stats;
      return stats ? [{ stats, queuedBytes: session.queuedBytes, suspended: session.suspended }] : [];
    });
  }

  /**
   * Line events seen on the UART (LineState bits of RFC 2217 §4, e.g. LineState.BREAK_DETECT): each client whose
   * SET-LINESTATE-MASK lets any of them through gets a NOTIFY-LINESTATE. (The UART contract reports no line
   * errors yet; a runtime whose UART does calls this.)
   */
  lineEvent(state: number): void {
    for (const session of this.sessions) session.lineEvent(state);
  }

  /** Stop listening and disconnect every client. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener.close();
    for (const session of [...this.sessions]) session.drop('service closing');
    if (this.upstreamTimer !== undefined) this.options.timer.clear(this.upstreamTimer);
    this.upstreamTimer = undefined;
  }

  private acceptAll(): void {
    for (;;) {
      if (this.closed) return;
      const session = new Rfc2217Session(this.context);
      const socket = this.listener.accept(session.callbacks);
      if (!socket) return;
      const max = this.options.maxClients;
      if (max !== undefined && this.sessions.length >= max) {
        session.refuse(socket, `airboot: all ${max} RFC 2217 slots are in use; try again later`);
        continue;
      }
      if (session.start(socket)) this.sessions.push(session);
    }
  }

  private forget(session: Rfc2217Session): void {
    const index = this.sessions.indexOf(session);
    if (index >= 0) this.sessions.splice(index, 1);
    if (this.sessions.length === 0 && (this.options.releaseLinesOnClose ?? true) && this.lines.active) {
      if (this.options.hub.takenFor === undefined) {
        this.log('info', 'rfc2217: last client left with DTR/RTS asserted; NRST and BOOT0 released');
        this.lines.release();
      }
    }
  }

  /** Read client input while the hub has room for it, round-robin over the clients. */
  private pumpUpstream(): void {
    if (this.closed) return;
    let room = this.upstreamRoom();
    let moved = true;
    while (moved && room > 0) {
      moved = false;
      const count = this.sessions.length;
      for (let turn = 0; turn < count && room > 0; turn++) {
        const session = this.sessions[(this.nextReader + turn) % count]!;
        const { read, sent, held } = session.forwardInput(Math.min(this.readChunkBytes, room));
        if (read > 0) moved = true;
        this.forwarded += sent;
        this.heldDuringLease += held;
        room = this.upstreamRoom();
      }
      this.nextReader = count > 0 ? (this.nextReader + 1) % count : 0;
    }
    if (this.upstreamTimer === undefined && this.sessions.some((session) => session.inputWaiting)) {
      // The hub has no "writable" event: look again once the UART has had time to send half the window.
      this.upstreamTimer = this.options.timer.set(
        () => {
          this.upstreamTimer = undefined;
          this.pumpUpstream();
        },
        Math.max(1, this.windowBytes / 2 / this.bytesPerMs()),
      );
    }
  }

  /**
   * Client bytes the hub can take now without dropping: the window less what this service forwarded that the UART
   * has not yet accepted (`hub.totals.toUart` counts what the port took). While a flash job has the UART, the
   * window less what the hub is holding back for these clients: unlike the raw bridge, input is still read then,
   * because it carries the clients' port commands and they wait for answers (pyserial gives up after seconds).
   */
  private upstreamRoom(): number {
    const hub = this.options.hub;
    if (hub.takenFor !== undefined) return this.windowBytes - this.heldDuringLease;
    this.heldDuringLease = 0;
    let pending = this.forwarded - (hub.totals.toUart - this.baseline);
    if (pending < 0) {
      this.baseline = hub.totals.toUart - this.forwarded;
      pending = 0;
    }
    return this.windowBytes - pending;
  }

  /** The UART's character rate now, bytes per ms. */
  private bytesPerMs(): number {
    const settings = this.options.hub.settings;
    return settings.baud / bitsPerCharacter(settings) / 1000;
  }
}
