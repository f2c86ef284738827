import { parseBin } from '../../../src/image/bin.js';
import { parseImage } from '../../../src/image/parse-image.js';
import { encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { openStagedImage, StagedBinImage } from '../../../src/service/staged-image.js';
import { ImageStaging, MemoryFlashRegion } from '../../../src/service/staging.js';
import { FLASH_BASE } from '../../../src/stm32/chips.js';
import { bytesEqual, deepEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { random } from '../net/http-test-support.js';
import { apiRig, intelHex, multipartBody, newFirmware } from './http-api-rig.js';

function randomBytes(length: number, seed: number): Uint8Array {
  const next = random(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

/** Append `data` in pieces of the given sizes, cycling through them. */
function stage(staging: ImageStaging, data: Uint8Array, pieces: number[] = [1, 7, 300, 64, 1025]): void {
  staging.begin();
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = pieces[i % pieces.length]!;
    ok(staging.append(data.subarray(at, at + size)));
    at += size;
  }
  staging.finish();
}

test('staging: an upload appended in odd pieces reads back byte for byte, erasing each sector once', () => {
  const region = new MemoryFlashRegion(64 * 1024, 4096);
  const staging = new ImageStaging(region, { writeBufferBytes: 256 });
  const data = randomBytes(10_001, 7);
  stage(staging, data);
  equal(staging.length, data.length);
  bytesEqual(staging.read(0, data.length), data);
  bytesEqual(staging.read(4093, 9), data.subarray(4093, 4102));
  equal(region.erases, 3, '10001 bytes span three 4 KiB sectors');
  equal(region.writes, Math.ceil(data.length / 256), 'one flash write per filled 256-byte buffer');
});

test('staging: a second upload replaces the first (its sectors erased again, not ANDed with the old bytes)', () => {
  const region = new MemoryFlashRegion(16 * 1024, 4096);
  const staging = new ImageStaging(region);
  stage(staging, randomBytes(5000, 1));
  const second = randomBytes(3000, 2);
  stage(staging, second);
  equal(staging.length, 3000);
  bytesEqual(staging.read(0, 3000), second);
});

test('staging: more than the capacity is refused without taking any of it; misuse names the state', () => {
  const staging = new ImageStaging(new MemoryFlashRegion(8192, 4096), { maxBytes: 5000 });
  equal(staging.capacity, 5000);
  staging.begin();
  ok(staging.append(new Uint8Array(4000)));
  equal(staging.append(new Uint8Array(1001)), false);
  equal(staging.length, 4000);
  throws(() => staging.read(0, 1), { code: 'STAGING_STATE' });
  throws(() => staging.begin(), { code: 'STAGING_STATE' });
  staging.finish();
  throws(() => staging.read(3999, 2), { code: 'STAGING_RANGE' });
  throws(() => new ImageStaging(new MemoryFlashRegion(4096), { writeBufferBytes: 6 }), {
    name: 'RangeError',
  });
});

test('staged binary: read, writeBlocks, crc32 and overlaps agree with the same binary in RAM', () => {
  const data = randomBytes(3001, 11);
  const staging = new ImageStaging(new MemoryFlashRegion(16 * 1024));
  stage(staging, data, [333]);
  const address = FLASH_BASE + 6;
  const staged = new StagedBinImage(staging, address);
  const memory = parseBin(data, address);
  equal(staged.size, memory.size);
  deepEqual(
    staged.segments.map((s) => [s.address, s.data.length]),
    memory.segments.map((s) => [s.address, s.data.length]),
  );
  bytesEqual(staged.read(address - 10, 40), memory.read(address - 10, 40));
  bytesEqual(staged.read(address + 2990, 30, 0x00), memory.read(address + 2990, 30, 0x00));
  const stagedBlocks = [...staged.writeBlocks(256, 8)];
  const memoryBlocks = [...memory.writeBlocks(256, 8)];
  equal(stagedBlocks.length, memoryBlocks.length);
  for (let i = 0; i < memoryBlocks.length; i++) {
    equal(stagedBlocks[i]!.address, memoryBlocks[i]!.address);
    bytesEqual(stagedBlocks[i]!.data, memoryBlocks[i]!.data);
  }
  equal(staged.crc32(FLASH_BASE, 4096), memory.crc32(FLASH_BASE, 4096));
  equal(staged.overlaps(address - 4, 4), false);
  equal(staged.overlaps(address - 4, 5), true);
  equal(staged.overlaps(address + 3001, 100), false);
});

test('staged text: Intel HEX is decoded from the staging area in chunks, as parseImage decodes it from RAM', () => {
  const data = randomBytes(2000, 5);
  const hexText = encodeUtf8(intelHex(FLASH_BASE, data));
  const staging = new ImageStaging(new MemoryFlashRegion(32 * 1024));
  stage(staging, hexText);
  const { image, format } = openStagedImage(staging, { name: 'app.hex', maxDecodedBytes: 4096 });
  equal(format, 'ihex');
  const expected = parseImage(hexText).image;
  bytesEqual(image.read(FLASH_BASE, 2000), expected.read(FLASH_BASE, 2000));
  throws(() => openStagedImage(staging, { maxDecodedBytes: 1000 }), { code: 'IMAGE_TOO_LARGE' });
});

test('staged image: empty, whitespace-only and misnamed uploads are refused as parseImage refuses them', () => {
  const staging = new ImageStaging(new MemoryFlashRegion(8192));
  stage(staging, new Uint8Array(0));
  throws(() => openStagedImage(staging, { maxDecodedBytes: 100 }), { code: 'EMPTY' });
  stage(staging, encodeUtf8(' \r\n\t '));
  throws(() => openStagedImage(staging, { maxDecodedBytes: 100 }), { code: 'EMPTY' });
  stage(
    staging,
    randomBytes(100, 3).map((b) => b | 0x80),
  );
  throws(() => openStagedImage(staging, { name: 'app.hex', maxDecodedBytes: 100 }), {
    code: 'FORMAT_MISMATCH',
  });
});

test('HTTP API with staging: a raw .bin streams into flash staging and is flashed and verified from there', async () => {
  const region = new MemoryFlashRegion(256 * 1024);
  const staging = new ImageStaging(region);
  // maxImageBytes far below the image: a staged binary is bounded by the staging area, not by RAM.
  const r = apiRig({ api: { staging, maxImageBytes: 1024 } });
  const { data } = newFirmware('staged bin');
  ok(data.length > 1024);
  const answer = await r.call('POST', '/api/flash?name=app.bin', data, [
    'Content-Type: application/octet-stream',
  ]);
  equal(answer.status, 200, answer.bodyText);
  const job = JSON.parse(answer.bodyText);
  equal(job.state, 'succeeded');
  equal(job.imageBytes, data.length);
  bytesEqual(r.flashContent(data.length), data);
  bytesEqual(region.bytes.subarray(0, data.length), data, 'the upload went through the staging area');
});

test('HTTP API with staging: a multipart Intel HEX upload is decoded from staging and flashed', async () => {
  const staging = new ImageStaging(new MemoryFlashRegion(256 * 1024));
  const r = apiRig({ api: { staging, maxImageBytes: 32 * 1024 } });
  const { data } = newFirmware('staged hex');
  const form = multipartBody('----stagedHex', 'app.hex', encodeUtf8(intelHex(FLASH_BASE, data)));
  const answer = await r.call('POST', '/api/flash', form.body, [`Content-Type: ${form.contentType}`]);
  equal(answer.status, 200, answer.bodyText);
  bytesEqual(r.flashContent(data.length), data);
  equal(staging.complete, true);
});

test('HTTP API with staging: larger than the staging area is 413, and an upload under way makes another 409', async () => {
  const staging = new ImageStaging(new MemoryFlashRegion(8192));
  const r = apiRig({ api: { staging } });
  const before = r.flashContent();
  const tooLarge = await r.call('POST', '/api/flash?name=big.bin', new Uint8Array(9000));
  equal(tooLarge.status, 413, tooLarge.bodyText);
  equal(staging.complete, false, 'a refused upload leaves nothing to flash');
  staging.begin();
  const busy = await r.call('POST', '/api/flash?name=app.bin', new Uint8Array(100));
  equal(busy.status, 409, busy.bodyText);
  equal(JSON.parse(busy.bodyText).error, 'UPLOAD_BUSY');
  bytesEqual(r.flashContent(), before);
});
