/**
 * POST /api/flash on a real socket (nodeListener on 127.0.0.1, port 0) with Debian's curl and node:net as the
 * clients, and a simulated STM32F103C8 in-process behind the UartHub: the proof "curl uploads a HEX and a
 * .bin and gets a verified JSON result; a second upload during the first gets 409; a truncated upload leaves the
 * flash untouched".
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { FLASH_BASE } from '../../src/stm32/chips.js';
import { intelHex } from '../portable/service/http-api-rig.js';
import { firmware, startApiService, until } from './api-support.js';

const CURL = '/usr/bin/curl';
// In CI a missing curl is a broken image, not a reason to skip.
const curlSkip = !existsSync(CURL) && process.env.CI !== 'true' ? `${CURL} is not installed` : false;

let service: Awaited<ReturnType<typeof startApiService>>;
let base: string;
let dir: string;

before(async () => {
  service = await startApiService();
  base = service.base;
  dir = mkdtempSync(path.join(tmpdir(), 'airboot-api-'));
});

after(() => {
  service.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Run curl; resolves with the body and the status (curl's `%{http_code}`). */
function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile(CURL, ['-sS', '--max-time', '30', '-w', '\n%{http_code}', ...args], (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`curl ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        return;
      }
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
    });
  });
}

const flashBytes = (length: number) => service.flashBytes(length);

test('curl --data-binary @app.hex flashes the simulated chip and answers a verified JobRecord', {
  skip: curlSkip,
}, async () => {
  const data = firmware('curl hex');
  const file = path.join(dir, 'app.hex');
  writeFileSync(file, intelHex(FLASH_BASE, data));
  const { status, body } = await curl(['--data-binary', `@${file}`, `${base}/api/flash?name=app.hex`]);
  assert.equal(status, 200, body);
  const job = JSON.parse(body);
  assert.equal(job.state, 'succeeded');
  assert.equal(job.result.verified, true);
  assert.equal(job.result.chip.pid, 0x410);
  assert.equal(job.source, 'app.hex');
  assert.deepEqual(flashBytes(data.length), data);
});

test("curl -F file=@app.bin '…/api/flash?address=0x08000000' flashes the binary there", {
  skip: curlSkip,
}, async () => {
  const data = firmware('curl bin');
  const file = path.join(dir, 'app.bin');
  writeFileSync(file, data);
  const { status, body } = await curl(['-F', `file=@${file}`, `${base}/api/flash?address=0x08000000`]);
  assert.equal(status, 200, body);
  const job = JSON.parse(body);
  assert.equal(job.state, 'succeeded');
  assert.equal(job.source, 'app.bin');
  assert.equal(job.result.verified, true);
  assert.deepEqual(flashBytes(data.length), data);
  const statusAnswer = await curl([`${base}/api/status`]);
  const serviceStatus = JSON.parse(statusAnswer.body);
  assert.equal(serviceStatus.target.state, 'running');
  assert.equal(serviceStatus.target.chip.pid, 0x410);
  assert.equal(serviceStatus.flash.last.id, job.id);
});

test('a second curl upload while the first is flashing gets 409 BUSY; the first completes', {
  skip: curlSkip,
}, async () => {
  const first = firmware('first upload', 16384);
  const second = firmware('second upload');
  const firstFile = path.join(dir, 'first.bin');
  const secondFile = path.join(dir, 'second.bin');
  writeFileSync(firstFile, first);
  writeFileSync(secondFile, second);
  const running = curl(['--data-binary', `@${firstFile}`, `${base}/api/flash?name=first.bin`]);
  await until(() => service.flashes.running !== undefined, 10_000, 'the first job to start');
  const refused = await curl(['--data-binary', `@${secondFile}`, `${base}/api/flash?name=second.bin`]);
  assert.equal(refused.status, 409, refused.body);
  assert.equal(JSON.parse(refused.body).error, 'BUSY');
  const done = await running;
  assert.equal(done.status, 200, done.body);
  assert.equal(JSON.parse(done.body).state, 'succeeded');
  assert.deepEqual(flashBytes(first.length), first);
});

test('an upload cut off half-way (the client resets the connection) leaves the chip flash untouched', async () => {
  const before = flashBytes(16384);
  const jobs = service.flashes.history.length;
  const data = firmware('truncated', 8192);
  const socket = net.connect(service.server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  socket.write(
    `POST /api/flash?name=cut.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${data.length}\r\n\r\n`,
  );
  socket.write(data.subarray(0, data.length / 2));
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  await until(() => service.server.connections === 0, 5000, 'the server to drop the connection');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(service.flashes.history.length, jobs, 'no job was started');
  assert.equal(service.flashes.running, undefined);
  assert.deepEqual(flashBytes(16384), before);
});

test('curl -X POST /api/target/identify names the chip; the status then shows it; 409 while a job runs', {
  skip: curlSkip,
}, async () => {
  const { status, body } = await curl(['-X', 'POST', `${base}/api/target/identify`]);
  assert.equal(status, 200, body);
  assert.deepEqual(JSON.parse(body), {
    chip: { pid: 0x410, name: 'STM32F10x medium density', flashBytes: 64 * 1024 },
    bootloaderVersion: '2.2',
  });
  const after = JSON.parse((await curl([`${base}/api/status`])).body);
  assert.equal(after.target.chip.name, 'STM32F10x medium density');
  assert.equal(after.target.bootloaderVersion, '2.2');
  // While a flash job holds the target, identify is refused like a second upload.
  const file = path.join(dir, 'identify-busy.bin');
  writeFileSync(file, firmware('identify busy'));
  const job = await curl(['--data-binary', `@${file}`, `${base}/api/flash?name=x.bin&wait=0`]);
  assert.equal(job.status, 202, job.body);
  const refused = await curl(['-X', 'POST', `${base}/api/target/identify`]);
  assert.equal(refused.status, 409, refused.body);
  assert.equal(JSON.parse(refused.body).error, 'BUSY');
  await until(() => service.flashes.running === undefined, 30_000, 'the flash job to end');
});
