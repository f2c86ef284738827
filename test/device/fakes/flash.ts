/** Fake of Moddable's `flash`: a partition is a MemoryFlashRegion of the world (NOR rules kept). */
import type { MemoryFlashRegion } from '../../../src/service/staging.js';
import { toArrayBuffer, world } from './world.js';

export default class FakeFlash {
  private readonly region: MemoryFlashRegion;

  constructor(partition: string) {
    const region = world.partitions.get(partition);
    if (!region) throw new Error(`no partition "${partition}" in the test world`);
    this.region = region;
  }

  get byteLength(): number {
    return this.region.byteLength;
  }

  get blockSize(): number {
    return this.region.blockSize;
  }

  erase(sector: number): void {
    this.region.erase(sector);
  }

  write(offset: number, byteLength: number, buffer: ArrayBuffer | ArrayBufferView): void {
    const view = ArrayBuffer.isView(buffer)
      ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
      : new Uint8Array(buffer);
    if (offset % 4 !== 0 || byteLength % 4 !== 0)
      throw new Error(`unaligned flash write at ${offset} (${byteLength} bytes)`);
    this.region.write(offset, view.subarray(0, byteLength));
  }

  read(offset: number, byteLength: number): ArrayBuffer {
    return toArrayBuffer(this.region.read(offset, byteLength));
  }
}
