/**
 * Client input to the UART, paced by the UartHub's own bounded queue: sockets are read (round-robin, a bounded
 * chunk at a time) only while `hub.writableBytes` has room, and reading resumes on the hub's writable event.
 * Unread input stays in the sockets, so TCP flow control holds a fast sender back instead of the hub refusing
 * (and losing) bytes. Shared by the raw bridge and the RFC 2217 service.
 */
import type { UartHub } from './uart-hub.js';

/** A client connection whose input goes to the hub. */
export interface UpstreamSource {
  /** The socket said bytes wait and a read has not yet found it empty. */
  readonly inputWaiting: boolean;
  /** Read at most `max` bytes from the socket and hand them to the hub; how many were read. */
  forwardInput(max: number): { read: number };
}

export interface UpstreamPumpOptions {
  hub: UartHub;
  /** The connections to read from; the pump reads the array as it is at each turn. */
  sources: readonly UpstreamSource[];
  /** Most bytes read from one socket at once, bytes. */
  readChunkBytes: number;
  /**
   * While a flash job has the UART: `wait` reads nothing (input waits in TCP); `hold` reads up to the hub's hold
   * buffer, for clients that need their port commands answered meanwhile (RFC 2217).
   */
  duringFlash: 'wait' | 'hold';
}

export class UpstreamPump {
  /** Where the next round of reads starts, so no client starves the others. */
  private nextReader = 0;
  private pumping = false;
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: UpstreamPumpOptions) {
    this.unsubscribe = options.hub.onWritable(() => this.pump());
  }

  /** Read client input while the hub has room for it, round-robin over the sources. */
  pump(): void {
    // A write to the hub can free room at once and fire its writable event from inside this loop; the loop
    // looks at the room again anyway.
    if (this.closed || this.pumping) return;
    this.pumping = true;
    try {
      const sources = this.options.sources;
      let room = this.room();
      let moved = true;
      while (moved && room > 0) {
        moved = false;
        const count = sources.length;
        for (let turn = 0; turn < count && room > 0; turn++) {
          const source = sources[(this.nextReader + turn) % count];
          if (!source) continue;
          const { read } = source.forwardInput(Math.min(this.options.readChunkBytes, room));
          if (read > 0) moved = true;
          room = this.room();
        }
        this.nextReader = count > 0 ? (this.nextReader + 1) % count : 0;
      }
    } finally {
      this.pumping = false;
    }
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
  }

  /** Client bytes the hub takes now without refusing any. */
  private room(): number {
    const hub = this.options.hub;
    if (hub.takenFor !== undefined && this.options.duringFlash === 'wait') return 0;
    return hub.writableBytes;
  }
}
