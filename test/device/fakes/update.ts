/**
 * Fake of `embedded:update` (ESP32, ESP-IDF esp_ota_* underneath): bytes go to the world's OTA slot; complete()
 * refuses an image without the ESP image magic, as esp_ota_end refuses one that fails validation.
 */
import type { FakeFlashPartition } from './storage-flash.js';
import { world } from './world.js';

export default Object.freeze({
  open(options: { partition: FakeFlashPartition; byteLength?: number }) {
    const ota = world.ota;
    if (!ota) throw new Error('no OTA slot');
    if (!options.partition.writable) throw new Error('read-only partition');
    const chunks: Uint8Array[] = [];
    let closed = false;
    return {
      write(bytes: ArrayBuffer | ArrayBufferView) {
        if (closed) throw new Error('closed');
        chunks.push(
          ArrayBuffer.isView(bytes)
            ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice()
            : new Uint8Array(bytes).slice(),
        );
      },
      complete() {
        const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        const image = new Uint8Array(length);
        let at = 0;
        for (const chunk of chunks) {
          image.set(chunk, at);
          at += chunk.length;
        }
        if (image[0] !== 0xe9 || (options.byteLength !== undefined && length !== options.byteLength)) {
          throw new Error('image validation failed');
        }
        ota.bootImage = image;
      },
      close() {
        closed = true;
      },
    };
  },
});
