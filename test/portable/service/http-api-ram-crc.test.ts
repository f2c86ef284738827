/**
 * skip-unchanged through the HTTP API on the simulated blue pill (F103, bootloader 2.2 without Get Checksum): the
 * service hands the flasher its way back to the bootloader, so the page-CRC routine in RAM compares the pages;
 * `ramCrc=0` asks for reading them back instead.
 */
import { FLASH_BASE } from '../../../src/stm32/chips.js';
import { bytesEqual, equal } from '../assert.js';
import { test } from '../harness.js';
import { apiRig, intelHex, newFirmware } from './http-api-rig.js';

for (const [query, method] of [
  ['skipUnchanged=1', 'ram-crc'],
  ['skipUnchanged=1&ramCrc=0', 'read-back'],
  ['skipUnchanged=0', 'none'],
] as const) {
  test(`HTTP API: re-flashing the same image with ${query} compares by ${method}`, async () => {
    const r = apiRig();
    const { data } = newFirmware('ram crc');
    const body = intelHex(FLASH_BASE, data);
    const first = await r.call('POST', '/api/flash?name=app.hex', body, ['Content-Type: text/plain']);
    equal(first.status, 200, first.bodyText);
    const again = await r.call('POST', `/api/flash?name=app.hex&${query}`, body, [
      'Content-Type: text/plain',
    ]);
    equal(again.status, 200, again.bodyText);
    const result = JSON.parse(again.bodyText).result;
    equal(result.compareMethod, method);
    equal(result.bytesWritten, method === 'none' ? data.length : 0, 'every page already held the image');
    equal(result.verified, true);
    bytesEqual(r.flashContent(data.length), data);
    equal(r.chip.mode, 'app', 'the chip runs the application again');
  });
}
