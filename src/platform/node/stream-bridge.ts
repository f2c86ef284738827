import type { Readable, Writable } from 'node:stream';
import type { Log, Serial, SerialProvider, UartSettings } from '../../io/contracts.js';
import { silentLog } from '../../io/contracts.js';

/**
 * Joins an ECMA-419 Serial to a Node stream pair (a TCP socket, a child process's stdin/stdout), both ways, with
 * backpressure on both sides: bytes wait in the stream (paused) while the Serial would block, and in the Serial
 * while the stream's buffer is full. The Serial stays open across streams; while no stream is attached, bytes
 * from the Serial are read and dropped, as a UART with nobody listening would lose them.
 */
export class SerialStreamBridge {
  readonly serial: Serial;
  private input: Readable | undefined;
  private output: Writable | undefined;
  /** Part of a chunk from the stream that the Serial could not take yet. */
  private backlog: Uint8Array | undefined;
  private outputFull = false;
  private closed = false;

  constructor(
    provider: SerialProvider,
    settings: UartSettings,
    private readonly log: Log = silentLog,
  ) {
    this.serial = provider({
      ...settings,
      onReadable: () => this.toStream(),
      onWritable: () => this.toSerial(),
      onError: (error) => this.log('error', `serial side: ${error.message}`),
    });
  }

  /** Start carrying bytes between the Serial and this stream pair (replacing any earlier pair). */
  attach(input: Readable, output: Writable): void {
    this.detach();
    this.input = input;
    this.output = output;
    this.outputFull = false;
    input.on('data', this.onData);
    output.on('drain', this.onDrain);
    this.toStream();
  }

  /** Stop using the current stream pair; what it had not delivered yet is dropped. */
  detach(): void {
    this.input?.off('data', this.onData);
    this.output?.off('drain', this.onDrain);
    this.input = undefined;
    this.output = undefined;
    this.backlog = undefined;
    this.outputFull = false;
  }

  get attached(): boolean {
    return this.input !== undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    this.serial.close();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.backlog = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    this.toSerial();
  };

  private readonly onDrain = (): void => {
    this.outputFull = false;
    this.toStream();
  };

  private toSerial(): void {
    const pending = this.backlog;
    if (!pending || this.closed) return;
    try {
      this.serial.write(pending);
      this.backlog = undefined;
      this.input?.resume();
    } catch (error) {
      if ((error as { code?: string }).code !== 'WOULD_BLOCK') {
        // The Serial is gone (closed or failed): drop the bytes rather than crash the process from an event.
        this.log('error', `serial side refused bytes: ${(error as Error).message}`);
        this.backlog = undefined;
        return;
      }
      const room = (error as { room?: number }).room ?? 0;
      if (room > 0) {
        this.serial.write(pending.subarray(0, room));
        this.backlog = pending.subarray(room);
      }
      this.input?.pause();
    }
  }

  private toStream(): void {
    if (this.closed || this.outputFull) return;
    for (;;) {
      const bytes = this.serial.read();
      if (!bytes) return;
      if (!this.output) continue; // nobody attached: the bytes are lost, as on an unconnected UART
      if (!this.output.write(bytes)) {
        this.outputFull = true;
        return;
      }
    }
  }
}
