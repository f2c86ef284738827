/**
 * A bounded output queue in front of a TcpSocket. ECMA-419 `write()` refuses bytes it has no room for ("would
 * block", §9.2.2), so what the socket refuses waits here until `onWritable`; `limit` says how much may wait.
 * Shared by the HTTP server and the WebSocket connection, which decide what to do when the queue is full (wait,
 * drop, or close).
 */
import type { TcpSocket } from '../../io/contracts.js';

/** One queued write; `offset` bytes of it have gone to the socket. */
export interface QueuedPiece {
  bytes: Uint8Array;
  offset: number;
  /** May be thrown away unsent when the queue overflows (a WebSocket data frame, not a control frame). */
  readonly droppable: boolean;
}

export class SocketWriter {
  private readonly pieces: QueuedPiece[] = [];
  private queuedBytes = 0;
  private failure: Error | undefined;
  private drainWaiters: Array<() => void> = [];

  /**
   * @param limit bytes that may wait unsent before `full` says stop; a single write is never split or refused
   *   for size, so the most ever held is `limit` + the largest single write.
   * @param onFailure called once when the socket's write throws something other than would-block.
   */
  constructor(
    private readonly socket: TcpSocket,
    public limit: number,
    private readonly onFailure: (error: Error) => void,
  ) {}

  /** Bytes accepted but not yet taken by the socket. */
  get queued(): number {
    return this.queuedBytes;
  }

  /** True when at or over the limit: a producer should wait for `drained()`. */
  get full(): boolean {
    return this.queuedBytes >= this.limit;
  }

  /** True when nothing waits. */
  get empty(): boolean {
    return this.queuedBytes === 0;
  }

  /** Queue `bytes` (kept by reference: do not modify them afterwards) and offer them to the socket at once. */
  write(bytes: Uint8Array, droppable = false): QueuedPiece | undefined {
    if (this.failure || bytes.length === 0) return undefined;
    const piece: QueuedPiece = { bytes, offset: 0, droppable };
    this.pieces.push(piece);
    this.queuedBytes += bytes.length;
    this.flush();
    return this.pieces.indexOf(piece) >= 0 ? piece : undefined;
  }

  /** Remove a piece nothing of which was sent yet; false when it is (partly) sent or gone. */
  remove(piece: QueuedPiece): boolean {
    if (piece.offset !== 0) return false;
    const index = this.pieces.indexOf(piece);
    if (index < 0) return false;
    this.pieces.splice(index, 1);
    this.queuedBytes -= piece.bytes.length;
    return true;
  }

  /**
   * Drop unsent droppable pieces, oldest first, until `room` more bytes fit under the limit. Returns how many
   * pieces and bytes went. A piece the socket has started on is never dropped (that would corrupt the stream).
   */
  dropOldest(room: number): { pieces: number; bytes: number } {
    let pieces = 0;
    let bytes = 0;
    for (let i = 0; i < this.pieces.length && this.queuedBytes + room > this.limit; ) {
      const piece = this.pieces[i]!;
      if (piece.droppable && piece.offset === 0) {
        this.pieces.splice(i, 1);
        this.queuedBytes -= piece.bytes.length;
        pieces++;
        bytes += piece.bytes.length;
      } else {
        i++;
      }
    }
    return { pieces, bytes };
  }

  /** Offer queued bytes to the socket until it would block; call from `onWritable`. */
  flush(): void {
    while (this.pieces.length > 0 && !this.failure) {
      const piece = this.pieces[0]!;
      const rest = piece.offset === 0 ? piece.bytes : piece.bytes.subarray(piece.offset);
      const taken = this.offer(rest);
      piece.offset += taken;
      this.queuedBytes -= taken;
      if (piece.offset < piece.bytes.length) break; // wait for onWritable
      this.pieces.shift();
    }
    if (this.queuedBytes < this.limit) this.wakeDrainWaiters();
  }

  /** Resolves when the queue is below the limit (at once if it is), or when the socket failed. */
  drained(): Promise<void> {
    if (this.failure) return Promise.resolve();
    if (this.queuedBytes < this.limit) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Forget everything queued (the connection is closing for good). */
  clear(): void {
    this.pieces.length = 0;
    this.queuedBytes = 0;
  }

  private offer(bytes: Uint8Array): number {
    try {
      this.socket.write(bytes);
      return bytes.length;
    } catch (error) {
      if ((error as { code?: string } | null)?.code !== 'WOULD_BLOCK') {
        this.failure = error as Error;
        this.clear();
        this.wakeDrainWaiters();
        this.onFailure(this.failure);
        return 0;
      }
      const room = Math.min((error as { room?: number }).room ?? 0, bytes.length);
      if (room <= 0) return 0;
      return this.offer(bytes.subarray(0, room));
    }
  }

  private wakeDrainWaiters(): void {
    if (this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
