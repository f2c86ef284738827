/**
 * The portable HttpServer on real sockets (nodeListener on 127.0.0.1, port 0), driven by real clients: Debian's
 * curl, raw bytes over node:net, and a WebSocket client made of node:net and the frame codecs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { sleep } from '../../src/io/contracts.js';
import { Router, readJsonBody } from '../../src/net/http/router.js';
import { HttpServer } from '../../src/net/http/server.js';
import { encodeMaskedFrame, Opcode } from '../../src/net/websocket/frame.js';
import { WebSocketFrameParser } from '../../src/net/websocket/frame-parser.js';
import type { NodeListener } from '../../src/platform/node/tcp.js';
import { nodeListener } from '../../src/platform/node/tcp.js';
import { nodeTimer } from '../../src/platform/node/timer.js';

const CURL = '/usr/bin/curl';
const haveCurl = existsSync(CURL);
// In CI a missing curl is a broken image, not a reason to skip.
const curlSkip = !haveCurl && process.env.CI !== 'true' ? `${CURL} is not installed` : false;

const MiB = 1024 * 1024;
let server: HttpServer;
let base: string;
let dir: string;
let image: Buffer;
let maxBuffered = 0;

before(async () => {
  const router = new Router();
  router.get('/api/status', (_context, response) => response.json(200, { state: 'running' }));
  router.post('/api/settings', async ({ request }, response) => {
    response.json(200, { saved: await readJsonBody(request) });
  });
  // Hash the body as it streams in, with a slow "flash write" every 16 chunks to exercise backpressure.
  router.post('/api/flash', ({ request }, response) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let chunks = 0;
    request.read({
      onData: (chunk) => {
        hash.update(chunk);
        bytes += chunk.length;
        maxBuffered = Math.max(maxBuffered, server.bufferedBytes);
        if (++chunks % 16 === 0) return sleep(nodeTimer, 1);
      },
      onEnd: () => response.json(200, { bytes, sha256: hash.digest('hex') }),
    });
  });
  router.get('/api/events', async (_context, response) => {
    const stream = response.events({ keepAliveMs: 0 });
    for (let percent = 0; percent <= 100; percent += 50) {
      stream.sendEvent('progress', JSON.stringify({ percent }));
      await sleep(nodeTimer, 5);
    }
    stream.close();
  });
  router.get('/ws/echo', (_context, response) => {
    const ws = response.upgradeWebSocket({ timer: nodeTimer, onMessage: (data) => ws.send(data) });
  });
  server = new HttpServer({
    listen: nodeListener,
    port: 0,
    host: '127.0.0.1',
    timer: nodeTimer,
    handler: router.handler,
  });
  await (server.listener as NodeListener).listening;
  base = `http://127.0.0.1:${server.port}`;
  dir = mkdtempSync(path.join(tmpdir(), 'airboot-http-'));
  image = randomBytes(MiB);
  writeFileSync(path.join(dir, 'app.bin'), image);
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function curl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(CURL, ['-sS', '--max-time', '20', ...args], { maxBuffer: 4 * MiB }, (error, stdout, stderr) => {
      if (error) reject(new Error(`curl ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

test('curl: GET JSON, twice over one kept-alive connection', { skip: curlSkip }, async () => {
  const { stdout, stderr } = await curl(['-v', `${base}/api/status`, `${base}/api/status`]);
  assert.equal(stdout, '{"state":"running"}{"state":"running"}');
  assert.match(stderr, /Re-using existing connection/);
});

test('curl: POST --data-binary @file of 1 MiB streams through, memory bounded', {
  skip: curlSkip,
}, async () => {
  const { stdout, stderr } = await curl([
    '-v',
    '-H',
    'Content-Type: application/octet-stream',
    '-H',
    'Expect: 100-continue',
    '--data-binary',
    `@${path.join(dir, 'app.bin')}`,
    `${base}/api/flash`,
  ]);
  assert.deepEqual(JSON.parse(stdout), { bytes: MiB, sha256: sha256(image) });
  // Asked to wait before sending the body (RFC 9110 §10.1.1), curl gets "go on" as soon as the route reads.
  assert.match(stderr, /HTTP\/1\.1 100 Continue/);
  assert.ok(maxBuffered <= 2048 + 8192, `server held ${maxBuffered} bytes`);
});

test('curl: chunked upload of 1 MiB', { skip: curlSkip }, async () => {
  const { stdout } = await curl([
    '-H',
    'Transfer-Encoding: chunked',
    '--data-binary',
    `@${path.join(dir, 'app.bin')}`,
    `${base}/api/flash`,
  ]);
  assert.deepEqual(JSON.parse(stdout), { bytes: MiB, sha256: sha256(image) });
});

test('curl: bad JSON gets 400 with the reason', { skip: curlSkip }, async () => {
  const { stdout } = await curl(['-w', '\n%{http_code}', '--data', '{"baud":', `${base}/api/settings`]);
  const [body, status] = stdout.split('\n');
  assert.equal(status, '400');
  assert.match(JSON.parse(body!).message, /not valid JSON/);
});

test('curl: Server-Sent Events arrive as they are sent', { skip: curlSkip }, async () => {
  const { stdout } = await curl(['-N', `${base}/api/events`]);
  assert.equal(
    stdout,
    [0, 50, 100].map((percent) => `event: progress\ndata: {"percent":${percent}}\n\n`).join(''),
  );
});

/** Send raw bytes, collect everything until the server closes. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('connect', () => socket.write(request, 'latin1'));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.setTimeout(5000, () => socket.destroy(new Error('no close from the server')));
  });
}

test('raw socket: a garbled request gets 400 and the connection is closed', async () => {
  const answer = await raw('GET /api/status HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(answer, /\r\nConnection: close\r\n/);
  assert.match(answer, /"error":"BAD_REQUEST"/);
});

test('raw socket: an oversized request line gets 414', async () => {
  const answer = await raw(`GET /${'a'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.match(answer, /^HTTP\/1\.1 414 /);
});

test('WebSocket over node:net: handshake, echo text and binary, ping/pong, close 1000', async () => {
  const socket = net.connect(server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const events: unknown[] = [];
  let handshake = '';
  let waiter: (() => void) | undefined;
  let wanted = 0;
  const parts: Uint8Array[] = [];
  const parser = new WebSocketFrameParser({
    role: 'client',
    onData: (chunk) => parts.push(chunk),
    onMessageEnd: () => events.push(Buffer.concat(parts.splice(0)).toString('latin1')),
    onPong: (data) => events.push(`pong:${Buffer.from(data).toString()}`),
    onClose: (code) => events.push(`close:${code}`),
    onError: (error) => events.push(`error:${error.code}`),
  });
  socket.on('data', (chunk: Buffer) => {
    let bytes = new Uint8Array(chunk);
    if (!handshake.includes('\r\n\r\n')) {
      const text = Buffer.from(bytes).toString('latin1');
      const end = (handshake + text).indexOf('\r\n\r\n');
      if (end < 0) {
        handshake += text;
        return;
      }
      const cut = end + 4 - handshake.length;
      handshake += text.slice(0, cut);
      bytes = bytes.subarray(cut);
    }
    parser.push(bytes);
    if (events.length >= wanted) waiter?.();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const until = (count: number) =>
    new Promise<void>((resolve, reject) => {
      wanted = count;
      if (events.length >= count) return resolve();
      const timeout = setTimeout(() => reject(new Error(`only ${JSON.stringify(events)}`)), 5000);
      waiter = () => {
        clearTimeout(timeout);
        resolve();
      };
    });
  const mask = Uint8Array.of(1, 2, 3, 4);
  socket.write(
    `GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  socket.write(encodeMaskedFrame(Opcode.Text, 'hello over tcp', mask));
  socket.write(encodeMaskedFrame(Opcode.Binary, Uint8Array.of(0xff, 0x00, 0x7f), mask));
  socket.write(encodeMaskedFrame(Opcode.Ping, 'p1', mask));
  await until(3);
  assert.match(handshake, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.deepEqual(events, ['hello over tcp', '\xff\x00\x7f', 'pong:p1']);
  socket.write(encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8), mask));
  await until(4);
  assert.equal(events[3], 'close:1000');
  await closed;
});
