import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { firmware, startApiService } from './api-support.js';
import { AIRBOOT, airboot } from './support/cli.js';

// The remote CLI against the real HTTP API (src/service/http-api.ts on a real socket, with a simulated STM32F103C8
// in-process: test/node/api-support.ts) — the same contract the fake in remote-support.ts follows.
const dir = mkdtempSync(path.join(tmpdir(), 'airboot-remote-real-'));
const binFile = path.join(dir, 'demo.bin');
const image = firmware('remote cli', 4096);
let service: Awaited<ReturnType<typeof startApiService>>;
let host = '';

before(async () => {
  writeFileSync(binFile, image);
  service = await startApiService();
  host = service.base;
});

after(() => {
  service?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('real service: flash --host writes and verifies (exit 0), info --host shows it as the last flash', async () => {
  const run = await airboot(['flash', binFile, '--host', host, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim());
  assert.equal(result.verified, true);
  assert.equal(result.chip.pid, 0x410);
  assert.equal(result.bytesWritten >= image.length, true);
  const info = await airboot(['info', '--host', host, '--json']);
  assert.equal(info.code, 0, info.stderr);
  const status = JSON.parse(info.stdout);
  assert.equal(status.flash.last.state, 'succeeded');
  assert.equal(String(status.flash.last.id), result.jobId);
  // What the chip holds now is the file.
  assert.deepEqual(service.flashBytes(image.length), image);
});

test('real service: config get/set and a 400 with field errors', async () => {
  const set = await airboot(['config', 'set', 'uart.baud=57600', '--host', host]);
  assert.equal(set.code, 0, set.stderr);
  const get = await airboot(['config', 'get', 'uart.baud', '--host', host, '--json']);
  assert.deepEqual(JSON.parse(get.stdout), { 'uart.baud': 57600 });
  const bad = await airboot(['config', 'set', 'uart.baud=5', '--host', host]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /uart\.baud: must be/);
  await airboot(['config', 'set', 'uart.baud=115200', '--host', host]);
});

test('real service: run, then monitor in pipe mode sees the demo application echo a line', async () => {
  const run = await airboot(['run', '--host', host]);
  assert.equal(run.code, 0, run.stderr);
  const child = spawn(process.execPath, [AIRBOOT, 'monitor', '--host', host], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  child.stdin.end('hello demo\n');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /echo: hello demo/);
});
