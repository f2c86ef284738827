/** A FlashRegion (service/staging.ts) over a partition of Moddable's `flash` module ("storage" on ESP8266). */
import Flash from 'flash';
import type { FlashRegion } from '../../service/staging.js';

export class PartitionRegion implements FlashRegion {
  private readonly flash: Flash;
  readonly byteLength: number;
  readonly blockSize: number;

  constructor(readonly partition: string) {
    this.flash = new Flash(partition);
    this.byteLength = this.flash.byteLength;
    this.blockSize = this.flash.blockSize;
  }

  erase(index: number): void {
    this.flash.erase(index);
  }

  write(offset: number, bytes: Uint8Array): void {
    // Hand over a whole ArrayBuffer, as Moddable's documentation shows for flash.write; the staging buffer usually
    // is one already, so the copy is rare (and at most one write buffer long).
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    this.flash.write(offset, bytes.length, (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer);
  }

  read(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.flash.read(offset, length));
  }
}
