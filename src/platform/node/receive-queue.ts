/**
 * Received bytes waiting for an ECMA-419 `read(max)`, kept as the chunks they arrived in (no copy until read).
 * Bounded: past `capacity` bytes it asks its source to pause (a paused socket or serial port lets the OS buffer and,
 * with flow control, hold off the sender), and to resume once a reader has taken it below half.
 */
export class ReceiveQueue {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private paused = false;

  constructor(
    private readonly capacity: number,
    private readonly source: { pause(): void; resume(): void },
  ) {}

  /** Bytes waiting. */
  get length(): number {
    return this.size;
  }

  /** Add a received chunk (kept, not copied: the caller must not reuse it); returns the bytes now waiting. */
  push(chunk: Uint8Array): number {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (!this.paused && this.size >= this.capacity) {
      this.paused = true;
      this.source.pause();
    }
    return this.size;
  }

  /** Take up to `max` bytes (all when omitted); undefined when none wait. */
  read(max?: number): Uint8Array | undefined {
    if (this.size === 0) return undefined;
    const want = Math.min(max ?? this.size, this.size);
    const out = new Uint8Array(want);
    let filled = 0;
    while (filled < want) {
      const head = this.chunks[0]!;
      const piece = Math.min(head.length, want - filled);
      out.set(head.subarray(0, piece), filled);
      filled += piece;
      if (piece === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(piece);
    }
    this.size -= want;
    if (this.paused && this.size <= this.capacity / 2) {
      this.paused = false;
      this.source.resume();
    }
    return out;
  }
}
