import { FLASH_BASE } from '../../../src/stm32/chips.js';
import { bytesEqual, deepEqual, equal, match, ok } from '../assert.js';
import { test } from '../harness.js';
import { bytes } from '../net/http-test-support.js';
import { apiRig, intelHex, multipartBody, newFirmware, RawClient, serverSentEvents } from './http-api-rig.js';

test('HTTP API: POST /api/flash with a raw Intel HEX body flashes, verifies and answers the JobRecord', async () => {
  const r = apiRig();
  const { data } = newFirmware('api hex');
  const answer = await r.call('POST', '/api/flash?name=app.hex', intelHex(FLASH_BASE, data), [
    'Content-Type: text/plain',
  ]);
  equal(answer.status, 200, answer.bodyText);
  const job = JSON.parse(answer.bodyText);
  equal(job.id, 1);
  equal(job.state, 'succeeded');
  equal(job.source, 'app.hex');
  equal(job.imageBytes, data.length);
  equal(job.error, null);
  equal(job.result.verified, true);
  equal(job.result.chip.name.length > 0, true);
  equal(job.result.bytesWritten, data.length);
  equal(typeof job.endedAt, 'number');
  bytesEqual(r.flashContent(data.length), data);
  // The status shows the chip and the last job; the target runs the new application.
  const status = JSON.parse((await r.call('GET', '/api/status')).bodyText);
  // The bootloader's version byte 0x22 reads "2.2" (AN3155 §3.1: major and minor nibbles).
  const version = job.result.bootloaderVersion;
  deepEqual(status.target, {
    state: 'running',
    chip: job.result.chip,
    bootloaderVersion: `${version >> 4}.${version & 0xf}`,
  });
  deepEqual(status.flash, { running: null, last: job });
  equal(r.chip.mode, 'app');
  const again = await r.call('GET', '/api/flash/1');
  equal(again.status, 200);
  deepEqual(JSON.parse(again.bodyText), job);
  // The history, newest first: the one job so far.
  const history = await r.call('GET', '/api/flash');
  equal(history.status, 200);
  deepEqual(JSON.parse(history.bodyText), { jobs: [job] });
});

test('HTTP API: a .bin in a multipart form is placed at ?address and written', async () => {
  const r = apiRig();
  const { data } = newFirmware('api bin');
  // Half-way into flash: the application at the start stays as it was.
  const address = FLASH_BASE + 0x4000;
  const before = r.chip.flash.read(FLASH_BASE, 0x4000);
  const form = multipartBody('----airbootTestBoundary7', 'app.bin', data);
  const answer = await r.call(
    'POST',
    `/api/flash?address=0x${address.toString(16)}&verify=1&go=0`,
    form.body,
    [`Content-Type: ${form.contentType}`],
  );
  equal(answer.status, 200, answer.bodyText);
  const job = JSON.parse(answer.bodyText);
  equal(job.state, 'succeeded');
  equal(job.source, 'app.bin', 'the form file name names the job');
  bytesEqual(r.chip.flash.read(address, data.length), data);
  bytesEqual(r.chip.flash.read(FLASH_BASE, 0x4000), before);
});

test('HTTP API: a form without a "file" field is refused with 400 and nothing is flashed', async () => {
  const r = apiRig();
  const before = r.flashContent();
  const body = bytes('--b1\r\nContent-Disposition: form-data; name="image"\r\n\r\nabc\r\n--b1--\r\n');
  const answer = await r.call('POST', '/api/flash', body, ['Content-Type: multipart/form-data; boundary=b1']);
  equal(answer.status, 400);
  match(JSON.parse(answer.bodyText).message, /no "file" field/);
  equal(r.flashes.history.length, 0);
  bytesEqual(r.flashContent(), before);
});

test('HTTP API: a bad HEX is refused with 400 naming the line, and the target is not touched', async () => {
  const r = apiRig();
  await r.clock.advance(50);
  const before = r.flashContent();
  const lines = intelHex(FLASH_BASE, newFirmware('bad').data).split('\r\n');
  // Line 3: a data record whose checksum is off by one.
  const broken = lines[2]!;
  const last = Number.parseInt(broken.slice(-2), 16);
  lines[2] = broken.slice(0, -2) + ((last + 1) & 0xff).toString(16).toUpperCase().padStart(2, '0');
  const answer = await r.call('POST', '/api/flash?name=bad.hex', lines.join('\r\n'));
  equal(answer.status, 400);
  const error = JSON.parse(answer.bodyText);
  equal(error.error, 'HEX_CHECKSUM');
  equal(error.line, 3);
  match(error.message, /^line 3: /);
  equal(r.flashes.history.length, 0);
  equal(r.chip.mode, 'app', 'the chip was never reset into its bootloader');
  bytesEqual(r.flashContent(), before);
});

test('HTTP API: an empty upload is a 400 EMPTY', async () => {
  const r = apiRig();
  const answer = await r.call('POST', '/api/flash?name=app.hex', '');
  equal(answer.status, 400);
  equal(JSON.parse(answer.bodyText).error, 'EMPTY');
  equal(r.flashes.history.length, 0);
});

test('HTTP API: query options are parsed strictly: a bad address or an unknown option is a 400 naming it', async () => {
  const r = apiRig();
  const data = newFirmware('q').data;
  for (const [query, option] of [
    ['address=0x8000000g', 'address'],
    ['address=-1', 'address'],
    ['address=0x123456789', 'address'],
    ['verify=maybe', 'verify'],
    ['erase=some', 'erase'],
    ['adress=0x08000000', 'adress'],
  ] as const) {
    const answer = await r.call('POST', `/api/flash?${query}`, data);
    equal(answer.status, 400, query);
    const error = JSON.parse(answer.bodyText);
    equal(error.error, 'INVALID_OPTION', query);
    equal(error.option, option, query);
    match(error.message, new RegExp(`"${option}"`));
  }
  equal(r.flashes.history.length, 0);
});

test('HTTP API: an image over the limit is 413, by Content-Length or while it streams in', async () => {
  const r = apiRig({ api: { maxImageBytes: 1000 } });
  const announced = await r.call('POST', '/api/flash', new Uint8Array(1001));
  equal(announced.status, 413);
  equal(JSON.parse(announced.bodyText).error, 'BODY_TOO_LARGE');
  // Chunked: no length up front; the limit is found while collecting.
  const chunked = await r.call(
    'POST',
    '/api/flash?name=big.bin',
    bytes(`400\r\n${'A'.repeat(0x400)}\r\n400\r\n${'B'.repeat(0x400)}\r\n0\r\n\r\n`),
    ['Transfer-Encoding: chunked'],
  );
  equal(chunked.status, 413);
  equal(r.flashes.history.length, 0);
});

test('HTTP API: wait=0 answers 202 at once; a second upload meanwhile gets 409; the events stream progress and done', async () => {
  const r = apiRig();
  const events = new RawClient(r.network, r.server.port);
  events.send('GET /api/flash/events HTTP/1.1\r\nHost: t\r\n\r\n');
  await r.clock.advance(5);
  const first = newFirmware('first');
  const started = await r.call('POST', '/api/flash?name=first.bin&wait=0', first.data);
  equal(started.status, 202, started.bodyText);
  const record = JSON.parse(started.bodyText);
  equal(record.state, 'running');
  equal(record.result, null);
  ok(r.flashes.running !== undefined, 'the job runs after the answer');

  const second = await r.call('POST', '/api/flash?name=second.bin', newFirmware('second').data);
  equal(second.status, 409);
  const busy = JSON.parse(second.bodyText);
  equal(busy.error, 'BUSY');
  equal(busy.jobId, 1);
  // The target is the job's: the control endpoints wait their turn.
  const boot = await r.call('POST', '/api/target/boot');
  equal(boot.status, 409);
  equal(JSON.parse(boot.bodyText).error, 'TARGET_BUSY');
  equal(JSON.parse((await r.call('GET', '/api/status')).bodyText).target.state, 'flashing');

  const done = await r.clock.run(
    new Promise<void>((resolve) => {
      const unsubscribe = r.flashes.subscribe((job) => {
        if (job.state !== 'running') {
          unsubscribe();
          resolve();
        }
      });
    }),
  );
  equal(done, undefined);
  await r.clock.advance(5);
  const job = JSON.parse((await r.call('GET', '/api/flash/1')).bodyText);
  equal(job.state, 'succeeded');
  bytesEqual(r.flashContent(first.data.length), first.data);

  const seen = serverSentEvents(events.received);
  const progress = seen.filter((event) => event.event === 'progress').map((event) => JSON.parse(event.data));
  ok(progress.length >= 3, `progress events: ${progress.length}`);
  ok(
    progress.every((p) => p.id === 1 && p.state === 'running' && p.progress !== null),
    'each progress event is the running job with its progress',
  );
  ok(
    progress.some((p) => p.progress.phase === 'write'),
    'the write phase is reported',
  );
  const percents = progress.filter((p) => p.progress.phase === 'write').map((p) => p.progress.percent);
  deepEqual(
    percents,
    [...percents].sort((a, b) => a - b),
    'write progress only goes up',
  );
  const finished = seen.filter((event) => event.event === 'done');
  equal(finished.length, 1);
  deepEqual(JSON.parse(finished[0]!.data), job);
});

test('HTTP API: an upload cut off before its end flashes nothing (half a .bin would be a valid image)', async () => {
  const r = apiRig();
  await r.clock.advance(50);
  const before = r.flashContent();
  const data = newFirmware('cut').data;
  const client = new RawClient(r.network, r.server.port);
  client.send(`POST /api/flash?name=cut.bin HTTP/1.1\r\nHost: t\r\nContent-Length: ${data.length}\r\n\r\n`);
  client.send(data.subarray(0, data.length >> 1));
  await r.clock.advance(20);
  client.socket.close();
  await r.clock.advance(2000);
  equal(r.flashes.history.length, 0, 'no job was started');
  equal(r.server.connections, 0);
  equal(r.chip.mode, 'app');
  bytesEqual(r.flashContent(), before);
  // The service is fine afterwards.
  equal((await r.call('GET', '/api/status')).status, 200);
});

test('HTTP API: a flash job after `boot` hands the chip back running, with the UART at the application format', async () => {
  const r = apiRig();
  equal((await r.call('POST', '/api/target/boot')).status, 200);
  equal(r.control.status().state, 'bootloader');
  const answer = await r.call('POST', '/api/flash?name=after-boot.bin', newFirmware('after boot').data);
  equal(answer.status, 200, answer.bodyText);
  const status = JSON.parse((await r.call('GET', '/api/status')).bodyText);
  equal(status.target.state, 'running');
  deepEqual(status.uart, { baud: 115200, format: '8N1' });
  equal(r.chip.mode, 'app');
});

test('HTTP API: a job that fails answers 500 with the JobRecord and its error', async () => {
  const r = apiRig();
  r.chip.close();
  const answer = await r.call('POST', '/api/flash?name=dead.bin', newFirmware('dead').data);
  equal(answer.status, 500);
  const job = JSON.parse(answer.bodyText);
  equal(job.state, 'failed');
  equal(job.result, null);
  equal(job.error.code, 'TIMEOUT');
  equal(JSON.parse((await r.call('GET', '/api/status')).bodyText).target.chip, null);
});
