import { WouldBlockError } from './byte-channel.js';
import type {
  Bytes,
  IoCallbacks,
  Serial,
  SerialProvider,
  Timer,
  TimerHandle,
  UartSettings,
} from './contracts.js';
import { asUint8, bitsPerCharacter } from './contracts.js';

export interface SerialLinkOptions {
  /** Model wire time (bit-times per character at the sender's baud). Off: bytes arrive on the next timer tick. */
  timing?: boolean;
  /** Largest piece delivered to the receiver at once, to exercise split deliveries. Default 64. */
  chunkBytes?: number;
  /** Output buffer of each side, in bytes; a write beyond it throws WouldBlockError. Default 4096. */
  txCapacity?: number;
}

/** What the wire did to bytes sent with one side's settings and received with the other's. */
export interface LineStats {
  bytes: number;
  /** Characters received with a different parity or data size than sent (a real UART flags a parity/framing error). */
  formatMismatches: number;
  /** Characters received at a baud more than 2.5 % off the sender's (AN3155 §2: they arrive garbled). */
  baudMismatches: number;
}

/**
 * A simulated cable between two UARTs, A (the host) and B (the target). Each side is opened like any ECMA-419
 * Serial; bytes reach the other side after the time they take on the wire at the sender's speed and format.
 * A side whose settings differ from the sender's receives garbled bytes, as a real UART would.
 */
export class SerialLink {
  readonly a: SerialProvider;
  readonly b: SerialProvider;
  readonly stats: { aToB: LineStats; bToA: LineStats };
  private readonly ends: [LinkEnd | undefined, LinkEnd | undefined] = [undefined, undefined];

  constructor(
    readonly timer: Timer,
    readonly options: SerialLinkOptions = {},
  ) {
    const blank = (): LineStats => ({ bytes: 0, formatMismatches: 0, baudMismatches: 0 });
    this.stats = { aToB: blank(), bToA: blank() };
    this.a = (settings) => this.open(0, settings);
    this.b = (settings) => this.open(1, settings);
  }

  /** The settings the given side has now, if open. */
  settings(side: 'a' | 'b'): UartSettings | undefined {
    return this.ends[side === 'a' ? 0 : 1]?.settings;
  }

  private open(index: 0 | 1, options: UartSettings & IoCallbacks): Serial {
    const end = new LinkEnd(this, index, options);
    this.ends[index] = end;
    return end;
  }

  /** Called by an end when its bytes leave the wire at the far side. */
  deliver(from: 0 | 1, bytes: Uint8Array, sent: UartSettings): void {
    const to = this.ends[from === 0 ? 1 : 0];
    const stats = from === 0 ? this.stats.aToB : this.stats.bToA;
    stats.bytes += bytes.length;
    if (!to || to.closed) return;
    const received = to.settings;
    let data = bytes;
    if (Math.abs(received.baud - sent.baud) > sent.baud * 0.025) {
      stats.baudMismatches += bytes.length;
      data = bytes.map((byte) => (byte ^ 0xa5) & 0xff);
    } else if (received.parity !== sent.parity || received.dataBits !== sent.dataBits) {
      stats.formatMismatches += bytes.length;
    }
    to.receive(data);
  }

  get chunkBytes(): number {
    return this.options.chunkBytes ?? 64;
  }

  get txCapacity(): number {
    return this.options.txCapacity ?? 4096;
  }
}

class LinkEnd implements Serial {
  settings: UartSettings;
  closed = false;
  private readonly callbacks: IoCallbacks;
  private rx: Uint8Array[] = [];
  private rxLength = 0;
  private tx: Uint8Array[] = [];
  private txLength = 0;
  private sending: TimerHandle | undefined;
  /** When the wire of this side's transmitter is next free (timer ms). */
  private lineFreeAt = 0;

  constructor(
    private readonly link: SerialLink,
    private readonly index: 0 | 1,
    options: UartSettings & IoCallbacks,
  ) {
    this.settings = {
      baud: options.baud,
      dataBits: options.dataBits,
      parity: options.parity,
      stopBits: options.stopBits,
    };
    this.callbacks = options;
  }

  read(max?: number): Uint8Array | undefined {
    if (this.rxLength === 0) return undefined;
    const want = Math.min(max ?? this.rxLength, this.rxLength);
    const out = new Uint8Array(want);
    let filled = 0;
    while (filled < want) {
      const head = this.rx[0]!;
      const piece = Math.min(head.length, want - filled);
      out.set(head.subarray(0, piece), filled);
      filled += piece;
      if (piece === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(piece);
    }
    this.rxLength -= want;
    return out;
  }

  write(bytes: Bytes): number {
    if (this.closed) throw new Error('serial port closed');
    const data = asUint8(bytes).slice();
    const room = this.link.txCapacity - this.txLength;
    if (data.length > room) throw new WouldBlockError(room);
    this.tx.push(data);
    this.txLength += data.length;
    this.scheduleSend();
    return this.link.txCapacity - this.txLength;
  }

  configure(settings: UartSettings): void {
    this.settings = { ...settings };
  }

  close(): void {
    this.closed = true;
    if (this.sending !== undefined) this.link.timer.clear(this.sending);
    this.sending = undefined;
  }

  receive(bytes: Uint8Array): void {
    this.rx.push(bytes);
    this.rxLength += bytes.length;
    this.callbacks.onReadable?.(this.rxLength);
  }

  /** Put the next chunk on the wire; it arrives when its last character's stop bit has gone out. */
  private scheduleSend(): void {
    if (this.sending !== undefined || this.txLength === 0) return;
    const timer = this.link.timer;
    const chunk = this.takeTx(this.link.chunkBytes);
    const sentWith = { ...this.settings };
    let delay = 0;
    if (this.link.options.timing) {
      const now = timer.now();
      const start = Math.max(now, this.lineFreeAt);
      this.lineFreeAt = start + (chunk.length * bitsPerCharacter(sentWith) * 1000) / sentWith.baud;
      delay = this.lineFreeAt - now;
    }
    this.sending = timer.set(() => {
      this.sending = undefined;
      if (this.closed) return;
      this.link.deliver(this.index, chunk, sentWith);
      this.callbacks.onWritable?.(this.link.txCapacity - this.txLength);
      this.scheduleSend();
    }, delay);
  }

  private takeTx(max: number): Uint8Array {
    const head = this.tx[0]!;
    if (head.length <= max) {
      this.tx.shift();
      this.txLength -= head.length;
      return head;
    }
    this.tx[0] = head.subarray(max);
    this.txLength -= max;
    return head.subarray(0, max);
  }
}
