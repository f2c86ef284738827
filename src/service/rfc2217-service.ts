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
 * is read only while the hub's bounded UART queue has room (UpstreamPump), so TCP flow control holds a fast sender
 * back.
 *
 * Flash-job notices are off by default here: a program, not a person, reads an RFC 2217 port, and text in the
 * data would be taken for the target's output. While a flash job holds the UART, setting changes and DTR/RTS
 * are refused (answered with the values in effect). Unlike the raw bridge, input is still read then, up to the
 * hub's hold buffer, because it carries the clients' port commands and they wait for answers (pyserial gives up
 * after seconds); data beyond the hold buffer waits in the socket.
 */
import type { Digital, Listener, ListenerProvider, Log, Timer } from '../io/contracts.js';
import { silentLog } from '../io/contracts.js';
import type { AuthGuard } from './auth-guard.js';
import { LoginGate } from './login-gate.js';
import { type LineMapping, STM32LOADER_LINES, TargetLines } from './rfc2217-lines.js';
import { Rfc2217Port } from './rfc2217-port.js';
import { Rfc2217Session, type SessionContext } from './rfc2217-session.js';
import type { ClientStats, UartHub } from './uart-hub.js';
import { UpstreamPump } from './upstream.js';

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
  /** Put the hub's flash-job notices into the data stream. Default false (a program reads this port). */
  notices?: boolean;
  /** Answer to a client's SIGNATURE request (RFC 2217 §2). Default 'airboot'. */
  signature?: string;
  /**
   * When the last RFC 2217 client leaves with DTR or RTS asserted, put NRST and BOOT0 back to idle (released, low)
   * so the target is not left held in reset. Default true.
   */
  releaseLinesOnClose?: boolean;
  /**
   * Require the admin password as the client's first line, before the Telnet session (the `rfc2217.login`
   * setting; login-gate.ts). Only while a password is set.
   */
  login?: AuthGuard;
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
  private readonly upstream: UpstreamPump;
  private closed = false;
  /** Connections waiting for their password line (login-gate.ts). */
  private readonly loggingIn = { count: 0, max: 4 };

  constructor(private readonly options: Rfc2217ServiceOptions) {
    this.log = options.log ?? silentLog;
    // Wire bytes read never decode to more data bytes, so a read within the hub's room never overflows it.
    this.upstream = new UpstreamPump({
      hub: options.hub,
      sources: this.sessions,
      readChunkBytes: options.readChunkBytes ?? 512,
      duringFlash: 'hold',
    });
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
      pumpUpstream: () => this.upstream.pump(),
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
    this.upstream.close();
  }

  private acceptAll(): void {
    for (;;) {
      if (this.closed) return;
      const session = new Rfc2217Session(this.context);
      const auth = this.options.login;
      const gate = auth?.required
        ? new LoginGate(session.callbacks, {
            auth,
            timer: this.options.timer,
            log: this.log,
            label: 'rfc2217',
            pending: this.loggingIn,
          })
        : undefined;
      const socket = this.listener.accept(gate ? gate.callbacks : session.callbacks);
      if (!socket) return;
      const max = this.options.maxClients;
      if (max !== undefined && this.sessions.length >= max) {
        session.refuse(socket, `airboot: all ${max} RFC 2217 slots are in use; try again later`);
        continue;
      }
      if (gate) {
        gate.begin(socket, () => {
          if (!this.closed && session.start(socket)) this.sessions.push(session);
        });
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
}
