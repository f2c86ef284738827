/**
 * Fault matrix, the network side (issue 6 part 3): the WiFi link (bench/wifi-link.ts) between the user's
 * `airboot flash --host` and the service cut in the middle of the upload and in the middle of the flash, and a
 * client that opens many connections. The service (src/app/node.ts) runs in-process with a simulated STM32F103C8,
 * so the chip's flash is compared byte for byte with the image after every case.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startWifiLink } from '../../bench/wifi-link.js';
import type { HttpServer } from '../../src/net/http/server.js';
import { airboot } from './support/cli.js';
import type { FaultRig } from './support/fault-rig.js';
import { firmware, messageOf, startFaultRig, until, upload } from './support/fault-rig.js';
import { TextClient } from './support/service.js';

const dir = mkdtempSync(path.join(tmpdir(), 'airboot-fault-link-'));
let rig: FaultRig;

before(async () => {
  rig = await startFaultRig();
});

after(() => {
  rig.close();
  rmSync(dir, { recursive: true, force: true });
});

function imageFile(name: string, data: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

test('fault: WiFi link cut mid-upload → exit 3 "connection was cut", no job, chip untouched; the retry succeeds', {
  timeout: 90_000,
}, async () => {
  const image = firmware('cut upload', 16 * 1024);
  const file = imageFile('cut-upload.bin', image);
  const before = rig.flashBytes(image.length);
  const jobs = rig.flashes.history.length;
  const link = await startWifiLink({
    target: { host: '127.0.0.1', port: rig.ports.http },
    rttMs: 4,
    cutAfterBytes: { upstream: 8 * 1024 },
  });
  try {
    const cut = await airboot(['flash', file, '--host', `http://127.0.0.1:${link.port}`]);
    assert.equal(cut.code, 3, cut.stderr);
    assert.match(cut.stderr, /^airboot: .*(cut|closed|lost|reset)/m);
    assert.doesNotMatch(cut.stdout + cut.stderr, /verified/);
    assert.ok(link.stats.cuts >= 1, 'the link was cut');
  } finally {
    await link.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(rig.flashes.history.length, jobs, 'no job started from half an image');
  assert.deepEqual(rig.flashBytes(image.length), before, 'the chip was not touched');

  const retry = await startWifiLink({ target: { host: '127.0.0.1', port: rig.ports.http }, rttMs: 4 });
  try {
    const again = await airboot(['flash', file, '--host', `http://127.0.0.1:${retry.port}`, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout.trim()).verified, true);
  } finally {
    await retry.close();
  }
  assert.deepEqual(rig.flashBytes(image.length), image);
});

test('fault: WiFi link cut mid-flash → the job on the service goes on; the CLI reconnects and reports the verified result truthfully; the next flash succeeds', {
  timeout: 90_000,
}, async () => {
  const image = firmware('cut flash', 8 * 1024);
  const file = imageFile('cut-flash.bin', image);
  const link = await startWifiLink({ target: { host: '127.0.0.1', port: rig.ports.http }, rttMs: 4 });
  rig.onProgress(
    (record) => record.progress?.phase === 'write' && record.progress.done >= 2048,
    () => link.cut(),
  );
  let reported: { verified: boolean; jobId: string };
  try {
    const run = await airboot(['flash', file, '--host', `http://127.0.0.1:${link.port}`, '--json']);
    assert.ok(link.stats.cuts >= 1, 'the link was cut during the write');
    assert.equal(run.code, 0, run.stderr);
    reported = JSON.parse(run.stdout.trim());
  } finally {
    await link.close();
  }
  // Flashing happens next to the chip: a lost client does not stop it half-way, and what the CLI reports after
  // reconnecting is the job's real outcome.
  const job = rig.flashes.history.at(-1)!;
  assert.equal(String(job.id), reported.jobId);
  assert.equal(job.state, 'succeeded', job.error?.message);
  assert.equal(reported.verified, true);
  assert.deepEqual(rig.flashBytes(image.length), image);

  const next = firmware('after the cut', 8 * 1024);
  const again = await upload(rig.base, next);
  assert.equal(again.status, 200, messageOf(again));
  assert.deepEqual(rig.flashBytes(next.length), next);
});

/** Open `count` TCP connections to `port` that send nothing and never read; resolves once all are connected. */
async function flood(port: number, count: number): Promise<net.Socket[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
          socket.on('error', reject);
        }),
    ),
  );
  for (const socket of sockets) {
    socket.removeAllListeners('error');
    socket.on('error', () => {});
  }
  return sockets;
}

/** GET /api/status on a connection of its own; the status code, or undefined when the connection failed. */
function statusCode(base: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    httpGet(`${base}/api/status`, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', () => resolve(undefined));
  });
}

test('fault: a client opens 60 HTTP and 30 raw bridge connections → limits hold, refusals are explained; connected clients, a running job and newcomers are still served', {
  timeout: 90_000,
}, async () => {
  const http = rig.running.bridge.services.get('http') as HttpServer;
  const hub = rig.running.bridge.hub;
  const terminal = await TextClient.connect(rig.ports.bridge);
  try {
    terminal.send('before the flood\r\n');
    await terminal.waitFor(/before the flood/);

    const image = firmware('during the flood', 6 * 1024);
    const job = upload(rig.base, image);
    await until(() => rig.flashes.running !== undefined, 5000, 'the job to start');
    const raw = await flood(rig.ports.bridge, 30);
    const web = await flood(rig.ports.http, 60);
    const rawLines: string[] = [];
    for (const socket of raw) {
      socket.setEncoding('latin1');
      socket.on('data', (text: string) => rawLines.push(text));
    }
    try {
      // HTTP: the flood's idle connections make room for each other (src/net/http/server.ts, evictIdlest), so the
      // limit holds and a newcomer is served during the flood; the job's busy upload connection is never closed.
      assert.ok(http.connections <= http.maxConnections, `${http.connections} HTTP connections open`);
      assert.equal(await statusCode(rig.base), 200, 'a newcomer is served during the flood');
      assert.ok(http.connections <= http.maxConnections, `${http.connections} HTTP connections open`);
      // Raw bridge: past the hub's limit a client gets a line saying why, and is closed.
      assert.ok(hub.clients.length <= hub.maxClients, `${hub.clients.length} UART clients`);
      await until(() => rawLines.some((line) => /in use|full|slots/.test(line)), 5000, 'a refusal line');

      const done = await job;
      assert.equal(done.status, 200, messageOf(done));
      assert.deepEqual(rig.flashBytes(image.length), image, 'the running job finished verified');
      terminal.send('during the flood\r\n');
      await terminal.waitFor(/during the flood/, 10_000);
    } finally {
      for (const socket of [...raw, ...web]) socket.destroy();
    }
    await until(() => http.connections === 0, 5000, 'the flood connections to close');
    assert.equal(await statusCode(rig.base), 200);
  } finally {
    terminal.close();
  }
});
