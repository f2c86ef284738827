/**
 * The raw serial bridge (TCP 1234, the seed's port): bytes both ways, unchanged, for netcat, socat or any TCP
 * client. Several clients at once, each attached to the shared UartHub: every client receives all UART output,
 * client input goes to the UART under the hub's write policy.
 *
 * A slow or dead client never stalls the UART or the others: UART output for a client that cannot take it waits in
 * that client's bounded queue, and what does not fit is dropped and counted (hub stats `droppedBytes`). A client
 * that accepts no output at all for `stallTimeoutMs` while some is pending is disconnected (a half-open or hung
 * peer); the sockets' own keep-alive finds peers that vanished while idle.
 *
 * Client input is read only while the hub's bounded UART queue has room for it (UpstreamPump): unread input stays
 * in the sockets and TCP flow control holds the senders back. While a flash job has the UART nothing is read, so
 * input waits in TCP rather than filling the hub's small hold buffer.
 *
 * Open to anyone who can reach the port, as the seed was (tools expect a plain TCP serial port), even with an
 * admin password set — unless `bridge.login` asks for the password as the first line (`login`, login-gate.ts).
 */
import type {
  Listener,
  ListenerProvider,
  Log,
  TcpCallbacks,
  TcpSocket,
  Timer,
  TimerHandle,
} from '../io/contracts.js';
import { silentLog } from '../io/contracts.js';
import { encodeUtf8 } from '../net/encoding/utf8.js';
import type { AuthGuard } from './auth-guard.js';
import { LoginGate } from './login-gate.js';
import type { ClientStats, UartClient, UartHub, UartSink } from './uart-hub.js';
import { UpstreamPump } from './upstream.js';

/** The seed's raw bridge port. */
export const RAW_BRIDGE_PORT = 1234;

export interface RawBridgeOptions {
  /** Where sockets come from: nodeListener on Node, the ECMA-419 Listener on the device, LoopbackNetwork in tests. */
  listen: ListenerProvider;
  hub: UartHub;
  timer: Timer;
  /** TCP port. Default 1234; 0 picks a free one (see `port`). */
  port?: number;
  /** Interface to listen on (the provider's default when absent). */
  host?: string;
  log?: Log;
  /** Raw clients at once; one more gets a refusal line and is closed. Default: only the hub's own limit applies. */
  maxClients?: number;
  /** UART output held per client while its socket would block, bytes; beyond it output is dropped. Default 16 KiB. */
  queueBytes?: number;
  /** Disconnect a client that accepted no output for this long while output was pending, ms; 0: never. Default 30 000. */
  stallTimeoutMs?: number;
  /** Most client bytes read from a socket at once, bytes. Default 512. */
  readChunkBytes?: number;
  /** Require the admin password as the first line (the `bridge.login` setting). Only while a password is set. */
  login?: AuthGuard;
}

/** One connected client as the bridge sees it. */
export interface RawClientState {
  readonly stats: ClientStats;
  /** UART output waiting for the socket, bytes. */
  readonly queuedBytes: number;
}

export class RawBridgeService {
  private readonly listener: Listener;
  private readonly connections: RawConnection[] = [];
  private readonly log: Log;
  private readonly upstream: UpstreamPump;
  private closed = false;
  /** Connections waiting for their password line (login-gate.ts). */
  private readonly loggingIn = { count: 0, max: 4 };
  /** @internal */ readonly queueBytes: number;
  /** @internal */ readonly stallTimeoutMs: number;

  constructor(private readonly options: RawBridgeOptions) {
    this.log = options.log ?? silentLog;
    this.queueBytes = options.queueBytes ?? 16 * 1024;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
    this.upstream = new UpstreamPump({
      hub: options.hub,
      sources: this.connections,
      readChunkBytes: options.readChunkBytes ?? 512,
      duringFlash: 'wait',
    });
    this.listener = options.listen({
      port: options.port ?? RAW_BRIDGE_PORT,
      host: options.host,
      onReadable: () => this.acceptAll(),
      onError: (error) => this.log('error', `raw bridge: ${error.message}`),
    });
  }

  /** The TCP port listened on. */
  get port(): number {
    return this.listener.port;
  }

  /** The clients connected now. */
  get clients(): readonly RawClientState[] {
    return this.connections.flatMap((connection) => (connection.state ? [connection.state] : []));
  }

  /** Stop listening and disconnect every client. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listener.close();
    for (const connection of [...this.connections]) connection.drop('bridge closing');
    this.upstream.close();
  }

  private acceptAll(): void {
    for (;;) {
      if (this.closed) return;
      const connection = new RawConnection(this, this.options.hub, this.options.timer, this.log);
      const auth = this.options.login;
      const gate = auth?.required
        ? new LoginGate(connection.callbacks, {
            auth,
            timer: this.options.timer,
            log: this.log,
            label: 'raw bridge',
            pending: this.loggingIn,
          })
        : undefined;
      const socket = this.listener.accept(gate ? gate.callbacks : connection.callbacks);
      if (!socket) return;
      const max = this.options.maxClients;
      if (max !== undefined && this.connections.length >= max) {
        connection.refuse(socket, `airboot: all ${max} raw bridge slots are in use; try again later`);
        continue;
      }
      if (gate) {
        gate.begin(socket, () => {
          if (!this.closed && connection.start(socket)) this.connections.push(connection);
        });
        continue;
      }
      if (connection.start(socket)) this.connections.push(connection);
    }
  }

  /** @internal A connection ended. */
  forget(connection: RawConnection): void {
    const index = this.connections.indexOf(connection);
    if (index >= 0) this.connections.splice(index, 1);
  }

  /** @internal Read client input while the hub has room for it, round-robin over the clients. */
  pumpUpstream(): void {
    this.upstream.pump();
  }
}

/** One client socket attached to the hub. */
class RawConnection implements UartSink {
  readonly callbacks: TcpCallbacks;
  private socket: TcpSocket | undefined;
  private client: UartClient | undefined;
  private queue: Uint8Array[] = [];
  private queued = 0;
  /** When the socket last took output, or output became pending (timer ms). */
  private lastProgress = 0;
  private stallTimer: TimerHandle | undefined;
  private closed = false;
  /** A write failed; the connection is dropped on the next timer turn. */
  private failed = false;
  /** The socket said bytes wait and a read has not yet found it empty. */
  inputWaiting = false;

  constructor(
    private readonly bridge: RawBridgeService,
    private readonly hub: UartHub,
    private readonly timer: Timer,
    private readonly log: Log,
  ) {
    this.callbacks = {
      onReadable: () => {
        this.inputWaiting = true;
        this.bridge.pumpUpstream();
      },
      onWritable: () => this.flush(),
      onClose: () => this.drop('closed by the client'),
      onError: (error) => this.drop(error.message),
    };
  }

  get state(): RawClientState | undefined {
    if (!this.client) return undefined;
    return { stats: this.client.stats, queuedBytes: this.queued };
  }

  /** Attach to the hub; false when refused (the client got the reason as a line and is being closed). */
  start(socket: TcpSocket): boolean {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const attached = this.hub.attach('raw', remote, this);
    if ('refused' in attached) {
      this.refuse(socket, attached.refused);
      return false;
    }
    this.socket = socket;
    this.client = attached;
    return true;
  }

  /** Tell the client why it cannot be served, as a line, and close. */
  refuse(socket: TcpSocket, reason: string): void {
    this.socket = socket;
    this.log('warn', `raw bridge: refused ${socket.remoteAddress}:${socket.remotePort}: ${reason}`);
    this.send(encodeUtf8(`${reason}\r\n`));
    this.closed = true;
    socket.close();
  }

  deliver(bytes: Uint8Array): void {
    this.send(bytes);
  }

  notice(text: string): void {
    this.send(encodeUtf8(text));
  }

  /** Read up to `max` client bytes and hand them to the hub; how many were read. */
  forwardInput(max: number): { read: number } {
    if (!this.inputWaiting || this.closed || !this.socket || !this.client) return { read: 0 };
    const bytes = this.socket.read(max);
    if (!bytes || bytes.length < max) this.inputWaiting = false;
    if (!bytes || bytes.length === 0) return { read: 0 };
    // 'refused' (another client owns input under 'exclusive') is counted by the hub; those bytes are gone.
    this.client.write(bytes);
    return { read: bytes.length };
  }

  drop(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.stallTimer !== undefined) this.timer.clear(this.stallTimer);
    this.stallTimer = undefined;
    this.queue = [];
    this.queued = 0;
    if (this.client) {
      this.log('info', `raw bridge: client ${this.client.stats.id} disconnected: ${reason}`);
      this.client.detach();
      this.client = undefined;
    }
    this.socket?.close();
    this.bridge.forget(this);
  }

  /** Output to the socket, through the queue when the socket would block; what does not fit is dropped. */
  private send(bytes: Uint8Array): void {
    if (this.closed || this.failed) return;
    let rest = bytes;
    if (this.queued === 0) rest = this.offer(bytes);
    if (rest.length === 0) return;
    const keep = Math.min(this.bridge.queueBytes - this.queued, rest.length);
    if (keep > 0) {
      if (this.queued === 0) this.lastProgress = this.timer.now();
      this.queue.push(rest.slice(0, keep));
      this.queued += keep;
      this.watchStall();
    }
    if (keep < rest.length) this.client?.countDropped(rest.length - keep);
  }

  /** Write what the socket takes now; returns the rest. */
  private offer(bytes: Uint8Array): Uint8Array {
    const socket = this.socket;
    if (!socket) return bytes;
    try {
      socket.write(bytes);
      this.lastProgress = this.timer.now();
      return bytes.subarray(bytes.length);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'WOULD_BLOCK') {
        // Not now: this may run inside the hub's loop over its clients, which a detach would disturb.
        const reason = `write failed: ${(error as Error).message}`;
        this.failed = true;
        this.timer.set(() => this.drop(reason), 0);
        return bytes.subarray(bytes.length);
      }
      const room = (error as { room?: number }).room ?? 0;
      if (room <= 0) return bytes;
      socket.write(bytes.subarray(0, room));
      this.lastProgress = this.timer.now();
      return bytes.subarray(room);
    }
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0]!;
      const rest = this.offer(head);
      if (this.closed || this.failed) return;
      this.queued -= head.length - rest.length;
      if (rest.length > 0) {
        this.queue[0] = rest;
        return;
      }
      this.queue.shift();
    }
    if (this.queued === 0 && this.stallTimer !== undefined) {
      this.timer.clear(this.stallTimer);
      this.stallTimer = undefined;
    }
  }

  private watchStall(): void {
    const timeout = this.bridge.stallTimeoutMs;
    if (timeout <= 0 || this.stallTimer !== undefined || this.closed) return;
    this.stallTimer = this.timer.set(
      () => {
        this.stallTimer = undefined;
        if (this.queued === 0 || this.closed) return;
        const idle = this.timer.now() - this.lastProgress;
        if (idle >= timeout) {
          this.drop(`took no output for ${Math.round(idle / 1000)} s with ${this.queued} byte(s) pending`);
        } else {
          this.watchStall();
        }
      },
      Math.max(1, timeout - (this.timer.now() - this.lastProgress)),
    );
  }
}
