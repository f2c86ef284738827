import type { Serial, SerialProvider, UartSettings } from '../../../src/io/contracts.js';

/**
 * The far end of a SerialLink that sends back every byte it receives, unchanged, and keeps a record of them: a
 * stand-in for a target wired TX to RX, for bulk binary traffic both ways (the demo application only echoes
 * lines). Its backlog is bounded by what the link delivers, which the sender paces.
 */
export class EchoDevice {
  private readonly serial: Serial;
  private readonly chunks: Uint8Array[] = [];
  private backlog: Uint8Array[] = [];
  /** Bytes received (and echoed, or waiting to be). */
  receivedBytes = 0;

  constructor(provider: SerialProvider, settings: UartSettings) {
    this.serial = provider({
      ...settings,
      onReadable: () => this.pull(),
      onWritable: () => this.push(),
    });
  }

  /** Everything received so far, in order. */
  received(): Uint8Array {
    const out = new Uint8Array(this.receivedBytes);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** Bytes not yet handed back to the link. */
  get backlogBytes(): number {
    return this.backlog.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  private pull(): void {
    for (let bytes = this.serial.read(); bytes; bytes = this.serial.read()) {
      this.chunks.push(bytes);
      this.receivedBytes += bytes.length;
      this.backlog.push(bytes);
    }
    this.push();
  }

  private push(): void {
    while (this.backlog.length > 0) {
      const head = this.backlog[0]!;
      try {
        this.serial.write(head);
      } catch (error) {
        const room = (error as { room?: number }).room ?? 0;
        if ((error as { code?: string }).code !== 'WOULD_BLOCK') throw error;
        if (room > 0) {
          this.serial.write(head.subarray(0, room));
          this.backlog[0] = head.subarray(room);
        }
        return;
      }
      this.backlog.shift();
    }
  }
}
