/**
 * Raw bridge throughput and added latency: the far end of the serial cable (the "application" on the chip)
 * streams a counting pattern at line rate for a while; N TCP clients that read as fast as they can receive it
 * through the raw bridge. Latency is measured per received chunk: from the moment its last byte's stop bit reached
 * the service's UART to the moment the client's socket delivered it. Lost bytes = sent − received, and every
 * received byte must be the next one of the pattern (a gap or a wrong byte counts as lost).
 */
import { createConnection, type Socket } from 'node:net';
import { WouldBlockError } from '../src/io/byte-channel.js';
import { UART_8N1 } from '../src/io/contracts.js';
import { startRig } from './rig.js';

export interface BridgeLoadResult {
  baud: number;
  clients: number;
  seconds: number;
  /** Bytes the application sent. */
  bytes: number;
  /** Bytes each client missed or got wrong, summed over the clients. */
  lost: number;
  /**
   * Share of the line's capacity (baud / 10 bytes per second over the sending time) the simulated application
   * achieved, %: below 100 when this host was too busy to keep the simulated cable full.
   */
  lineRatePercent: number;
  /** Bytes per second each client received, the slowest client. */
  bytesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Pattern byte at stream offset `i`: not periodic at any small power of two, so a dropped run shows. */
function patternByte(i: number): number {
  return (i + Math.floor(i / 251)) & 0xff;
}

export async function measureBridge(
  baud: number,
  clients: number,
  seconds: number,
): Promise<BridgeLoadResult> {
  // When each byte count reached the service's UART (cumulative bytes → performance.now ms).
  const arrivals: Array<{ bytes: number; at: number }> = [];
  const rig = await startRig({
    settings: { 'uart.baud': baud, 'bridge.maxClients': Math.max(4, clients) },
    // 5 ms of line time per hand-over (at least 64 bytes, as a UART driver's FIFO and buffer would): one timer
    // per 64 bytes cannot keep a 2 Mbaud line full on a busy host, and then the line, not the bridge, is measured.
    chunkBytes: Math.max(64, Math.round((baud / 10) * 0.005)),
    // The cable counts bytes before it hands them over, so the count here includes this delivery.
    onUartInput: () => arrivals.push({ bytes: rig.link.stats.bToA.bytes, at: performance.now() }),
  });
  const sockets: Socket[] = [];
  const latencies: number[] = [];
  const received: number[] = [];
  const wrong: number[] = [];
  const lastDataAt: number[] = [];
  try {
    for (let c = 0; c < clients; c++) {
      const socket = createConnection({ host: '127.0.0.1', port: rig.ports.bridge });
      socket.setNoDelay(true);
      received.push(0);
      wrong.push(0);
      socket.on('data', (chunk: Buffer) => {
        const now = performance.now();
        let position = received[c]!;
        for (const byte of chunk) {
          if (byte !== patternByte(position)) wrong[c]!++;
          position++;
        }
        received[c] = position;
        lastDataAt[c] = now;
        const arrived = arrivalOf(arrivals, position);
        if (arrived !== undefined) latencies.push(now - arrived);
      });
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      sockets.push(socket);
    }
    await new Promise((r) => setTimeout(r, 100)); // let the service register every client

    // The application end: keep the transmitter full for `seconds`.
    let sent = 0;
    const end = performance.now() + seconds * 1000;
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const app = rig.link.b({ ...UART_8N1, baud, onWritable: () => fill() });
    const fill = () => {
      if (performance.now() >= end) {
        finish();
        return;
      }
      for (;;) {
        const piece = Uint8Array.from({ length: 256 }, (_, i) => patternByte(sent + i));
        try {
          app.write(piece);
        } catch (error) {
          if (error instanceof WouldBlockError) return;
          throw error;
        }
        sent += piece.length;
      }
    };
    const started = performance.now();
    fill();
    await done;
    // Let the last bytes cross the cable and the bridge.
    const settleBy = performance.now() + 2000;
    while (received.some((r) => r < sent) && performance.now() < settleBy)
      await new Promise((r) => setTimeout(r, 5));
    const elapsed = (performance.now() - started) / 1000;
    app.close();
    latencies.sort((a, b) => a - b);
    const lost = received.reduce((sum, r, c) => sum + Math.max(0, sent - r) + wrong[c]!, 0);
    return {
      baud,
      clients,
      seconds: elapsed,
      bytes: sent,
      lost,
      // Bytes that crossed the cable over the time until the last of them reached the UART.
      lineRatePercent:
        Math.round(
          (rig.link.stats.bToA.bytes /
            ((((arrivals.at(-1)?.at ?? started) - started) / 1000) * (baud / 10))) *
            1000,
        ) / 10,
      bytesPerSecond: Math.round(
        Math.min(...received.map((r, c) => r / (((lastDataAt[c] ?? started) - started) / 1000 || 1))),
      ),
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    rig.close();
  }
}

/** When the byte count `position` had reached the UART (the first arrival record at or past it). */
function arrivalOf(arrivals: Array<{ bytes: number; at: number }>, position: number): number | undefined {
  let lo = 0;
  let hi = arrivals.length - 1;
  if (hi < 0 || arrivals[hi]!.bytes < position) return undefined;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arrivals[mid]!.bytes >= position) hi = mid;
    else lo = mid + 1;
  }
  return arrivals[lo]!.at;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
