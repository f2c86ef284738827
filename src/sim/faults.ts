/**
 * Faults a test can ask the simulated chip to commit, so host code is proven against the failures real wires and
 * real bootloaders produce: refused commands, lost, damaged and late answer bytes, and the L412's double ACK.
 * Every fault fires once per request and is counted in `injected`, so a test can check it really happened.
 */

/** How many faults of each kind were actually injected. */
export interface InjectedFaults {
  /** Commands answered NACK because of nackNext(). */
  nacks: number;
  /** Answer bytes that never reached the wire. */
  droppedBytes: number;
  /** Answer bytes sent with their bits flipped. */
  corruptedBytes: number;
  /** Answers held back by delayNextAnswer(). */
  delayedAnswers: number;
  /** Syncs answered with two ACKs. */
  doubleAcks: number;
}

/** What is left of an answer after the faults: the bytes to send and how long to hold them back (ms). */
export interface ShapedAnswer {
  bytes: Uint8Array;
  delayMs: number;
}

/** A corrupted byte is sent with every bit flipped: never mistaken for the byte it replaced. */
const CORRUPTION_MASK = 0xff;

export class FaultPlan {
  /** L412 quirk (reference "Known quirks"): 0x7F is answered with two ACKs. Stays on until cleared. */
  doubleAckOnSync = false;
  /**
   * The chip's TX line is broken (or the chip hung): while true every answer byte is lost, counted in droppedBytes.
   * Unlike dropNextAnswerBytes it lasts until cleared, so a test can break the link mid-flash and mend it after.
   */
  muted = false;
  readonly injected: InjectedFaults = {
    nacks: 0,
    droppedBytes: 0,
    corruptedBytes: 0,
    delayedAnswers: 0,
    doubleAcks: 0,
  };
  /** Outstanding NACKs per command code; at most 256 entries. */
  private readonly nacks = new Map<number, number>();
  private dropCount = 0;
  /** Bytes still to pass before the dropping starts. */
  private dropSkip = 0;
  /** Bytes still to pass before the one to corrupt; undefined when none is asked for. */
  private corruptAfter: number | undefined;
  private delayMs = 0;

  /** NACK the next `times` occurrences of this command code at the command step (AN3155 §3: cmd, ~cmd → NACK). */
  nackNext(command: number, times = 1): void {
    if (times <= 0) return;
    const code = command & 0xff;
    this.nacks.set(code, (this.nacks.get(code) ?? 0) + times);
  }

  /** The next `count` bytes the chip sends are lost on the wire, or those after `skip` more bytes. */
  dropNextAnswerBytes(count: number, skip = 0): void {
    this.dropCount += Math.max(0, count);
    this.dropSkip = Math.max(0, skip);
  }

  /** Flip the bits of the next byte the chip sends, or of the one after `skip` more bytes. */
  corruptNextAnswerByte(skip = 0): void {
    this.corruptAfter = Math.max(0, skip);
  }

  /** The next answer leaves `ms` later than it would. */
  delayNextAnswer(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  /** Forget every fault requested and not yet injected, and unmute (the counts in `injected` stay). */
  clear(): void {
    this.nacks.clear();
    this.dropCount = 0;
    this.dropSkip = 0;
    this.corruptAfter = undefined;
    this.delayMs = 0;
    this.muted = false;
  }

  /** True when a NACK was requested for this command; consumes one request. Called by the bootloader. */
  takeNack(command: number): boolean {
    const left = this.nacks.get(command) ?? 0;
    if (left <= 0) return false;
    if (left === 1) this.nacks.delete(command);
    else this.nacks.set(command, left - 1);
    this.injected.nacks++;
    return true;
  }

  /** True when this sync must be answered twice; counts it. Called by the bootloader. */
  takeDoubleAck(): boolean {
    if (!this.doubleAckOnSync) return false;
    this.injected.doubleAcks++;
    return true;
  }

  /** Apply drop, corruption and delay to one answer the chip is about to send. */
  shape(answer: Uint8Array): ShapedAnswer {
    let bytes = answer;
    if (this.muted) {
      this.injected.droppedBytes += bytes.length;
      return { bytes: bytes.subarray(bytes.length), delayMs: 0 };
    }
    if (this.dropCount > 0 && bytes.length > 0) {
      const from = Math.min(this.dropSkip, bytes.length);
      this.dropSkip -= from;
      const dropped = Math.min(this.dropCount, bytes.length - from);
      if (dropped > 0) {
        this.dropCount -= dropped;
        this.injected.droppedBytes += dropped;
        const kept = new Uint8Array(bytes.length - dropped);
        kept.set(bytes.subarray(0, from));
        kept.set(bytes.subarray(from + dropped), from);
        bytes = kept;
      }
    }
    if (this.corruptAfter !== undefined && bytes.length > 0) {
      if (this.corruptAfter < bytes.length) {
        bytes = bytes.slice();
        bytes[this.corruptAfter] = bytes[this.corruptAfter]! ^ CORRUPTION_MASK;
        this.corruptAfter = undefined;
        this.injected.corruptedBytes++;
      } else {
        this.corruptAfter -= bytes.length;
      }
    }
    let delayMs = 0;
    if (this.delayMs > 0) {
      delayMs = this.delayMs;
      this.delayMs = 0;
      this.injected.delayedAnswers++;
    }
    return { bytes, delayMs };
  }
}
