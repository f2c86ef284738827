/**
 * The WebSocket terminal and the flash event stream on a real socket, with node:net and node:http as the
 * browser would use them: the demo application's echo through /ws/serial, the flash notices as text frames, and
 * /api/flash/events carrying progress and done while an upload (node:http, wait=0) runs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { encodeMaskedFrame, Opcode } from '../../src/net/websocket/frame.js';
import { WebSocketFrameParser } from '../../src/net/websocket/frame-parser.js';
import { firmware, startApiService, until } from './api-support.js';

let service: Awaited<ReturnType<typeof startApiService>>;

before(async () => {
  service = await startApiService();
});

after(() => service.close());

/** A WebSocket client of node:net and the frame codecs. */
async function openTerminal() {
  const socket = net.connect(service.server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const state = { head: '', upgraded: false, output: '', notices: [] as string[], closeCode: 0 };
  let opcode = 0;
  let parts: Buffer[] = [];
  const parser = new WebSocketFrameParser({
    role: 'client',
    onMessageStart: (code) => {
      opcode = code;
      parts = [];
    },
    onData: (chunk) => parts.push(Buffer.from(chunk)),
    onMessageEnd: () => {
      const message = Buffer.concat(parts).toString('latin1');
      if (opcode === Opcode.Binary) state.output += message;
      else state.notices.push(message);
    },
    onClose: (code) => {
      state.closeCode = code;
    },
    onError: (error) => {
      throw error;
    },
  });
  socket.on('data', (data: Buffer) => {
    if (state.upgraded) {
      parser.push(data);
      return;
    }
    state.head += data.toString('latin1');
    const end = state.head.indexOf('\r\n\r\n');
    if (end < 0) return;
    state.upgraded = true;
    const rest = Buffer.from(state.head.slice(end + 4), 'latin1');
    state.head = state.head.slice(0, end);
    if (rest.length > 0) parser.push(rest);
  });
  socket.write(
    `GET /ws/serial HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await until(() => state.upgraded, 5000, 'the 101 answer');
  const mask = () => new Uint8Array(randomBytes(4));
  return {
    state,
    type: (text: string) => socket.write(encodeMaskedFrame(Opcode.Text, text, mask())),
    close: () => socket.write(encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8), mask())),
    socket,
  };
}

/** POST raw bytes with node:http; resolves with status and parsed JSON. */
function post(path: string, body: Uint8Array): Promise<{ status: number; json: { [key: string]: unknown } }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${service.base}${path}`, { method: 'POST' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

test('WebSocket /ws/serial over node:net: the demo application echoes a typed line', async () => {
  const terminal = await openTerminal();
  assert.match(terminal.state.head, /^HTTP\/1\.1 101 /);
  terminal.type('over a real socket\r');
  await until(() => /echo: over a real socket\r\n/.test(terminal.state.output), 5000, 'the echo');
  assert.equal(service.hub.clients.length, 1);
  assert.equal(service.hub.clients[0]!.kind, 'websocket');
  terminal.close();
  await until(() => terminal.state.closeCode === 1000, 5000, 'the close frame');
  await until(() => service.hub.clients.length === 0, 5000, 'the terminal to leave the hub');
  terminal.socket.destroy();
});

test('during an upload with wait=0: 202, progress and done on /api/flash/events, notices on the terminal', async () => {
  const terminal = await openTerminal();
  const events: Array<{ event: string; data: { id: number; state: string } }> = [];
  let buffer = '';
  const stream = http.get(`${service.base}/api/flash/events`);
  const response = await new Promise<http.IncomingMessage>((resolve) => stream.once('response', resolve));
  assert.equal(response.headers['content-type'], 'text/event-stream');
  response.setEncoding('utf8');
  response.on('data', (text: string) => {
    buffer += text;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (name && data) events.push({ event: name, data: JSON.parse(data) });
    }
  });

  const data = firmware('events', 8192);
  const started = await post('/api/flash?name=events.bin&wait=0', data);
  assert.equal(started.status, 202);
  assert.equal(started.json.state, 'running');
  await until(() => events.some((e) => e.event === 'done'), 20_000, 'the done event');
  const done = events.find((e) => e.event === 'done')!;
  assert.equal(done.data.id, started.json.id);
  assert.equal(done.data.state, 'succeeded');
  assert.ok(events.filter((e) => e.event === 'progress').length >= 3, 'progress events arrived');
  assert.deepEqual(service.flashBytes(data.length), data);
  await until(() => terminal.state.notices.length === 2, 5000, 'both notices');
  assert.match(terminal.state.notices[0]!, /flash job \d+ started/);
  assert.match(terminal.state.notices[1]!, /finished; serial resumed/);
  stream.destroy();
  terminal.socket.destroy();
});
