/**
 * A WiFi link modelled as a TCP proxy, for the bench and the fault-matrix tests (Node only).
 *
 * Clients connect to `127.0.0.1:<port>`; each connection opens its own connection to `target` and bytes are
 * relayed both ways with:
 * - latency: every byte arrives `rttMs / 2` (+ a uniform random `0…jitterMs`) after it was sent, in each
 *   direction, so a request/answer exchange costs one RTT; order is always preserved (a piece never overtakes
 *   the one before it, jitter only ever delays);
 * - connection setup: the target sees the first upstream byte no earlier than 1.5 RTT after the client
 *   connected, as with a real TCP handshake (SYN, SYN-ACK, then data);
 * - bandwidth: a token bucket per direction (`bandwidthBytesPerSecond`, burst `burstBytes`), applied to pieces
 *   of at most 1460 bytes (one Ethernet/WiFi TCP segment), so a long write is spread over time;
 * - a dropped link: `cutAfterBytes.upstream` / `.downstream` delivers exactly that many bytes of a connection
 *   in that direction (then a FIN to that receiver), and resets the other peer (RST); nothing after that byte
 *   is ever delivered. `cut()` resets both peers of every open connection at once.
 *
 * Not modelled: packet loss/retransmission and the TCP window (the proxy buffers up to 1 MiB per direction
 * before it stops reading from the sender).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { nodeTimer } from '../src/platform/node/timer.js';

export interface WifiLinkOptions {
  /** Where the link leads (the bridge, the service's HTTP port…). */
  target: { host: string; port: number };
  /** Round-trip time added by the link, ms; each direction gets half. */
  rttMs: number;
  /** Extra one-way delay, uniform in 0…jitterMs, ms (default 0). */
  jitterMs?: number;
  /** Bytes per second in each direction; 0 or Infinity = unlimited (default unlimited). */
  bandwidthBytesPerSecond?: number;
  /** Token-bucket depth, bytes (default 16384): how much may go at full speed after an idle spell. */
  burstBytes?: number;
  /** Per connection: deliver exactly this many bytes in that direction, then drop the link. */
  cutAfterBytes?: { upstream?: number; downstream?: number };
  /** Random source in [0, 1) for the jitter (default Math.random); pass a seeded one for repeatable runs. */
  random?: () => number;
}

export interface WifiLinkStats {
  /** Bytes delivered client → target, all connections. */
  upstreamBytes: number;
  /** Bytes delivered target → client, all connections. */
  downstreamBytes: number;
  /** Connections accepted so far. */
  connections: number;
  /** Connections dropped by `cutAfterBytes` or `cut()`. */
  cuts: number;
  /**
   * Request/answer turns: how often client → target traffic was delivered after target → client traffic (or
   * first) on a connection. A half-duplex protocol (AN3155) waits one RTT per turn, so the time a client spends
   * is about `turns × rttMs` more than over a link without delay.
   */
  turns: number;
}

export interface WifiLink {
  /** The port on 127.0.0.1 that clients connect to. */
  readonly port: number;
  /** Live counters. */
  readonly stats: WifiLinkStats;
  /** Drops every open connection now (both sockets destroyed); new connections still work. */
  cut(): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

/** One TCP segment's payload: the unit the bandwidth and delay are applied to. */
const SEGMENT_BYTES = 1460;
/** Bytes a direction may hold in flight before the proxy stops reading from the sender (backpressure). */
const HIGH_WATER_BYTES = 1024 * 1024;
const DEFAULT_BURST_BYTES = 16384;

export async function startWifiLink(options: WifiLinkOptions): Promise<WifiLink> {
  const stats: WifiLinkStats = { upstreamBytes: 0, downstreamBytes: 0, connections: 0, cuts: 0, turns: 0 };
  const open = new Set<Connection>();
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    stats.connections++;
    const connection = new Connection(client, options, stats, () => open.delete(connection));
    open.add(connection);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('wifi link: no TCP port');
  return {
    port: address.port,
    stats,
    cut() {
      for (const connection of [...open]) connection.drop();
    },
    close() {
      for (const connection of [...open]) connection.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client connection and its connection to the target, joined by two delayed directions. */
class Connection {
  private readonly target: Socket;
  private readonly upstream: Direction;
  private readonly downstream: Direction;
  private finished = false;
  /** Which way bytes were last delivered, for `turns`. */
  private lastWay: 'up' | 'down' | undefined;

  constructor(
    private readonly client: Socket,
    options: WifiLinkOptions,
    private readonly stats: WifiLinkStats,
    private readonly onGone: () => void,
  ) {
    const acceptedAt = performance.now();
    this.target = createConnection({
      host: options.target.host,
      port: options.target.port,
      allowHalfOpen: true,
    });
    this.target.setNoDelay(true);
    // The handshake costs one RTT before the client's first byte can even leave (see the file comment).
    this.upstream = new Direction(client, this.target, options, acceptedAt + options.rttMs, {
      limit: options.cutAfterBytes?.upstream,
      count: (n) => {
        this.stats.upstreamBytes += n;
        if (this.lastWay !== 'up') this.stats.turns++;
        this.lastWay = 'up';
      },
      onLimit: () => this.drop(this.target),
    });
    this.downstream = new Direction(this.target, client, options, acceptedAt, {
      limit: options.cutAfterBytes?.downstream,
      count: (n) => {
        this.stats.downstreamBytes += n;
        this.lastWay = 'down';
      },
      onLimit: () => this.drop(client),
    });
    for (const socket of [client, this.target]) {
      // An error on one side resets the other; a clean close (FIN both ways, already relayed) needs nothing.
      socket.on('error', () => this.destroy());
      socket.on('close', () => {
        if (client.destroyed && this.target.destroyed) this.destroy();
      });
    }
  }

  /**
   * The link drops: whatever was still in flight is lost and both peers see a reset (RST), except `delivered`,
   * the peer that was just sent its last bytes and a FIN, which is closed without a reset so that those bytes
   * are not discarded by its kernel.
   */
  drop(delivered?: Socket): void {
    if (this.finished) return;
    this.stats.cuts++;
    this.destroy(delivered);
  }

  destroy(delivered?: Socket): void {
    if (this.finished) return;
    this.finished = true;
    this.upstream.stop();
    this.downstream.stop();
    for (const socket of [this.client, this.target]) {
      if (socket === delivered || socket.destroyed || socket.connecting) socket.destroy();
      else socket.resetAndDestroy();
    }
    this.onGone();
  }
}

interface DirectionHooks {
  /** Bytes to deliver before the link drops; undefined = no limit. */
  limit: number | undefined;
  count: (bytes: number) => void;
  onLimit: () => void;
}

/** One way of a connection: reads from `from`, delivers to `to` after the modelled delay and bandwidth. */
class Direction {
  private readonly queue: Array<{ at: number; bytes: Uint8Array | null }> = [];
  private timer: unknown;
  private queuedBytes = 0;
  /** Bytes accepted for delivery (in flight or delivered); reading stops at `hooks.limit`. */
  private accepted = 0;
  private delivered = 0;
  private lastDeliveryAt = 0;
  private tokens: number;
  private tokensAt = performance.now();
  private readonly rate: number;
  private readonly burst: number;
  private stopped = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly options: WifiLinkOptions,
    /** No delivery before this time (ms, performance.now clock). */
    notBefore: number,
    private readonly hooks: DirectionHooks,
  ) {
    const bandwidth = options.bandwidthBytesPerSecond ?? 0;
    this.rate = bandwidth > 0 && Number.isFinite(bandwidth) ? bandwidth / 1000 : 0; // bytes per ms
    this.burst = options.burstBytes ?? DEFAULT_BURST_BYTES;
    this.tokens = this.burst;
    this.lastDeliveryAt = notBefore + options.rttMs / 2;
    from.on('data', (chunk: Buffer) => this.accept(chunk));
    from.on('end', () => this.enqueue(null));
    to.on('drain', () => this.maybeResume());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) nodeTimer.clear(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private accept(chunk: Buffer): void {
    if (this.stopped) return;
    let bytes: Uint8Array = chunk;
    const limit = this.hooks.limit;
    if (limit !== undefined) {
      if (this.accepted >= limit) return; // past the cut: these bytes are lost with the link
      if (this.accepted + bytes.length > limit) bytes = bytes.subarray(0, limit - this.accepted);
    }
    this.accepted += bytes.length;
    for (let offset = 0; offset < bytes.length; offset += SEGMENT_BYTES)
      this.enqueue(Uint8Array.from(bytes.subarray(offset, offset + SEGMENT_BYTES)));
    if (limit !== undefined && this.accepted >= limit) this.from.pause();
    if (this.queuedBytes > HIGH_WATER_BYTES) this.from.pause();
  }

  /** Queues a piece (or the end of the stream, `null`) at its arrival time. */
  private enqueue(bytes: Uint8Array | null): void {
    if (this.stopped) return;
    const now = performance.now();
    let leaves = now;
    if (bytes && this.rate > 0) {
      // Token bucket: refill since last time (capped at the burst), then pay; a debt is paid by waiting.
      this.tokens = Math.min(this.burst, this.tokens + (now - this.tokensAt) * this.rate);
      this.tokensAt = now;
      this.tokens -= bytes.length;
      if (this.tokens < 0) leaves = now + -this.tokens / this.rate;
    }
    const jitter = (this.options.jitterMs ?? 0) * (this.options.random ?? Math.random)();
    const at = Math.max(leaves + this.options.rttMs / 2 + jitter, this.lastDeliveryAt);
    this.lastDeliveryAt = at;
    this.queue.push({ at, bytes });
    if (bytes) this.queuedBytes += bytes.length;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.at - performance.now());
    // nodeTimer, not setTimeout: setTimeout fires up to ~1 ms late, which would add to every modelled RTT.
    this.timer = nodeTimer.set(() => {
      this.timer = undefined;
      this.deliverDue();
    }, wait);
  }

  private deliverDue(): void {
    const now = performance.now();
    while (!this.stopped && this.queue.length > 0 && this.queue[0]!.at <= now + 0.05) {
      const { bytes } = this.queue.shift()!;
      if (bytes === null) {
        this.to.end();
        continue;
      }
      this.queuedBytes -= bytes.length;
      this.to.write(bytes);
      this.delivered += bytes.length;
      this.hooks.count(bytes.length);
      if (this.hooks.limit !== undefined && this.delivered >= this.hooks.limit) {
        // The last byte must reach the peer before the teardown (a destroy could discard it), so finish the
        // write side first, then drop both sockets.
        this.stopped = true;
        this.to.end(() => this.hooks.onLimit());
        return;
      }
    }
    this.maybeResume();
    this.schedule();
  }

  private maybeResume(): void {
    if (this.stopped || !this.from.isPaused()) return;
    if (this.hooks.limit !== undefined && this.accepted >= this.hooks.limit) return;
    if (this.queuedBytes + this.to.writableLength <= HIGH_WATER_BYTES / 2) this.from.resume();
  }
}
