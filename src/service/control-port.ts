/**
 * The control port (TCP 1235, the seed's port): a line protocol a person types into netcat and a script can drive.
 * One command per line (src/net/lines: help, status, reset, boot, run, baud N, format 8N1, pins, version), exactly
 * one reply line per command, `OK …` or `ERR …`. Unknown or malformed input gets ERR with a hint, an overlong line
 * gets ERR and the rest of it is discarded, and an exception in a command becomes `ERR <message>`: nothing a
 * client sends can stop the service.
 *
 * With an admin password set (auth-guard.ts), the commands that change something (reset, boot, run, baud, format)
 * answer `ERR log in first: login PASSWORD` until the connection sent `login <password>`; wrong passwords count
 * toward the back-off shared with HTTP. A login lasts as long as the connection (or until the password changes).
 *
 * Commands run one at a time across all clients (two people pulsing NRST at once would confuse the target), in
 * the order they arrived; replies go back in order on each connection.
 */
import type { Listener, ListenerProvider, Log, TcpCallbacks, TcpSocket } from '../io/contracts.js';
import { formatName, silentLog } from '../io/contracts.js';
import {
  type ControlCommand,
  errReply,
  helpText,
  LineReader,
  MAX_LINE_BYTES,
  okReply,
  parseControlLine,
} from '../net/lines/index.js';
import type { AuthGuard } from './auth-guard.js';
import type { ControlTarget } from './control-target.js';

/** Most bytes read from a control socket at once. */
const READ_BYTES = 64;

/** The seed's control port. */
export const CONTROL_PORT = 1235;

export interface ControlPortOptions {
  /** Where sockets come from: nodeListener on Node, the ECMA-419 Listener on the device, LoopbackNetwork in tests. */
  listen: ListenerProvider;
  target: ControlTarget;
  /** TCP port. Default 1235; 0 picks a free one (see `port`). */
  port?: number;
  host?: string;
  log?: Log;
  /** Connections at once; one more gets an ERR line and is closed. Default 4. */
  maxClients?: number;
  /** Longest command line, bytes. Default 256. */
  maxLineBytes?: number;
  /**
   * Commands a connection may have waiting; past this its socket is not read until they are answered (TCP then
   * holds the sender back). Default 8.
   */
  maxPending?: number;
  /** Reply bytes held for a client that does not read them; more and the connection is closed. Default 4 KiB. */
  replyBytes?: number;
  /** The admin password check; without it (or with no password set) every command is open. */
  auth?: AuthGuard;
}

/** Commands that change the target or the UART: they need a login while a password is set. */
const STATE_CHANGING: ReadonlySet<ControlCommand['kind']> = new Set([
  'reset',
  'boot',
  'run',
  'baud',
  'format',
]);

interface Job {
  connection: ControlConnection;
  command: ControlCommand;
}

export class ControlPortService {
  private readonly listener: Listener;
  private readonly connections: ControlConnection[] = [];
  private readonly jobs: Job[] = [];
  private running = false;
  private closed = false;
  private readonly log: Log;
  /** @internal */ readonly maxLineBytes: number;
  /** @internal */ readonly maxPending: number;
  /** @internal */ readonly replyBytes: number;
  private readonly maxClients: number;

  constructor(private readonly options: ControlPortOptions) {
    this.log = options.log ?? silentLog;
    this.maxClients = options.maxClients ?? 4;
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.maxPending = options.maxPending ?? 8;
    this.replyBytes = options.replyBytes ?? 4096;
    this.listener = options.listen({
      port: options.port ?? CONTROL_PORT,
      host: options.host,
      onReadable: () => this.acceptAll(),
      onError: (error) => this.log('error', `control port: ${error.message}`),
    });
  }

  get port(): number {
    return this.listener.port;
  }

  /** Connections open now. */
  get clientCount(): number {
    return this.connections.length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener.close();
    for (const connection of [...this.connections]) connection.close('control port closing');
    this.jobs.length = 0;
  }

  private acceptAll(): void {
    for (;;) {
      if (this.closed) return;
      const connection = new ControlConnection(this, this.log);
      const socket = this.listener.accept(connection.callbacks);
      if (!socket) return;
      if (this.connections.length >= this.maxClients) {
        this.log('warn', `control port: refused ${socket.remoteAddress}:${socket.remotePort}: full`);
        connection.refuse(
          socket,
          `busy: all ${this.maxClients} control connections are in use; close one and try again`,
        );
        continue;
      }
      this.connections.push(connection);
      connection.start(socket);
    }
  }

  /** @internal */
  forget(connection: ControlConnection): void {
    const index = this.connections.indexOf(connection);
    if (index >= 0) this.connections.splice(index, 1);
    for (let i = this.jobs.length - 1; i >= 0; i--) {
      if (this.jobs[i]!.connection === connection) this.jobs.splice(i, 1);
    }
  }

  /** @internal Queue a command from a connection (the connection bounds how many it has waiting). */
  submit(connection: ControlConnection, command: ControlCommand): void {
    this.jobs.push({ connection, command });
    void this.runJobs();
  }

  private async runJobs(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
        let reply: Uint8Array;
        try {
          reply = okReply(await this.execute(job.command, job.connection));
        } catch (error) {
          reply = errReply(messageOf(error));
        }
        job.connection.reply(reply);
      }
    } finally {
      this.running = false;
    }
  }

  /** Run one command; the text after OK, or throws (the message goes after ERR). */
  private async execute(command: ControlCommand, connection: ControlConnection): Promise<string> {
    const target = this.options.target;
    const auth = this.options.auth;
    if (auth?.required && STATE_CHANGING.has(command.kind) && !connection.loggedIn(auth)) {
      throw new Error(`log in first: login PASSWORD (an admin password protects '${command.kind}')`);
    }
    switch (command.kind) {
      case 'login': {
        if (!auth?.required) return 'no admin password is set: every command is open';
        const check = await auth.checkPassword(command.password, connection.remoteAddress);
        if (check.ok) {
          connection.loginGeneration = auth.passwordGeneration;
          this.log('info', `control port: ${connection.remoteAddress} logged in`);
          return 'logged in';
        }
        if (check.reason === 'TOO_MANY_ATTEMPTS') {
          throw new Error(`too many wrong passwords; try again in ${Math.ceil(check.retryAfterMs / 1000)} s`);
        }
        this.log('warn', `control port: wrong admin password from ${connection.remoteAddress}`);
        throw new Error('wrong password');
      }
      case 'logout':
        connection.loginGeneration = -1;
        return 'logged out';
      case 'help':
        return helpText();
      case 'status': {
        const status = target.status();
        return (
          `state=${status.state} baud=${status.uart.baud} format=${formatName(status.uart)} ` +
          `clients=${status.clients} dropped=${status.droppedBytes} last-flash=${status.lastFlash ?? 'none'}`
        );
      }
      case 'reset':
        return target.reset();
      case 'boot':
        return target.boot();
      case 'run':
        return target.run();
      case 'baud':
        return target.setBaud(command.baud);
      case 'format':
        return target.setFormat(command.format);
      case 'pins':
        return target.pins();
      case 'version':
        return `airboot ${target.version}`;
      case 'blank':
        return '';
      case 'error':
        throw new Error(command.message);
    }
  }
}

/** One control client: its line reader and its bounded reply queue. */
class ControlConnection {
  readonly callbacks: TcpCallbacks;
  /** The password generation this connection logged in under (-1: not logged in). */
  loginGeneration = -1;
  private socket: TcpSocket | undefined;
  private readonly lines: LineReader;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private closed = false;
  /** Commands submitted and not yet answered. */
  private pending = 0;
  /** The socket has bytes this connection has not read yet (it stopped at maxPending). */
  private inputWaiting = false;
  /** The client sent everything it will send (e.g. `printf 'boot\r\n' | nc`): answer it, then close. */
  private peerDone = false;

  constructor(
    private readonly service: ControlPortService,
    private readonly log: Log,
  ) {
    this.lines = new LineReader({
      maxLineBytes: service.maxLineBytes,
      onLine: (line) => {
        const command = parseControlLine(line);
        // A person pressing Enter gets no reply: it was not a command.
        if (command.kind !== 'blank') this.submit(command);
      },
      onOverflow: (error) => this.submit({ kind: 'error', message: error.message }),
    });
    this.callbacks = {
      onReadable: () => this.receive(),
      onWritable: () => this.flush(),
      onClose: () => this.peerFinished(),
      onError: (error) => this.close(error.message),
    };
  }

  get remoteAddress(): string {
    return this.socket?.remoteAddress ?? '';
  }

  /** Whether this connection logged in under the current password. */
  loggedIn(auth: AuthGuard): boolean {
    return this.loginGeneration === auth.passwordGeneration;
  }

  start(socket: TcpSocket): void {
    this.socket = socket;
    this.log('info', `control port: ${socket.remoteAddress}:${socket.remotePort} connected`);
  }

  /** Tell a connection it cannot be served, and close it. */
  refuse(socket: TcpSocket, reason: string): void {
    this.socket = socket;
    this.closed = true;
    try {
      socket.write(errReply(reason));
    } catch {
      // It could not even take one line: closing says enough.
    }
    socket.close();
  }

  reply(bytes: Uint8Array): void {
    if (this.closed) return;
    this.pending--;
    if (this.queued + bytes.length > this.service.replyBytes) {
      this.close(`it does not read its replies (${this.queued} bytes waiting)`);
      return;
    }
    this.queue.push(bytes);
    this.queued += bytes.length;
    this.flush();
    if (this.inputWaiting) this.receive();
    this.closeWhenAnswered();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queued = 0;
    this.log(
      'info',
      `control port: ${this.socket?.remoteAddress}:${this.socket?.remotePort} closed: ${reason}`,
    );
    this.socket?.close();
    this.service.forget(this);
  }

  private peerFinished(): void {
    this.peerDone = true;
    this.receive();
    this.closeWhenAnswered();
  }

  /** After the client's end of stream: close once every command is answered and every reply handed over. */
  private closeWhenAnswered(): void {
    if (this.peerDone && this.pending === 0 && this.queue.length === 0 && !this.inputWaiting) {
      this.close('closed by the client');
    }
  }

  private submit(command: ControlCommand): void {
    if (this.closed) return;
    this.pending++;
    this.service.submit(this, command);
  }

  /**
   * Read and split lines while fewer than maxPending commands wait. Small reads keep the overshoot small: one read
   * of READ_BYTES can hold at most READ_BYTES / 2 lines.
   */
  private receive(): void {
    this.inputWaiting = true;
    while (!this.closed && this.socket && this.pending < this.service.maxPending) {
      const bytes = this.socket.read(READ_BYTES);
      if (!bytes || bytes.length === 0) {
        this.inputWaiting = false;
        return;
      }
      try {
        this.lines.push(bytes);
      } catch (error) {
        this.submit({ kind: 'error', message: messageOf(error) });
      }
    }
  }

  private flush(): void {
    const socket = this.socket;
    while (socket && !this.closed && this.queue.length > 0) {
      const head = this.queue[0]!;
      try {
        socket.write(head);
      } catch (error) {
        const wouldBlock = (error as { code?: string }).code === 'WOULD_BLOCK';
        const room = wouldBlock ? ((error as { room?: number }).room ?? 0) : -1;
        if (room < 0) {
          this.close(`write failed: ${messageOf(error)}`);
          return;
        }
        if (room > 0) {
          socket.write(head.subarray(0, room));
          this.queue[0] = head.subarray(room);
          this.queued -= room;
        }
        return;
      }
      this.queue.shift();
      this.queued -= head.length;
    }
    if (this.queue.length === 0) this.closeWhenAnswered();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
