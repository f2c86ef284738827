import { sleep } from '../../../src/io/contracts.js';
import type { EventStream } from '../../../src/net/http/event-stream.js';
import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { parseResponses } from './http-client-support.js';
import { fnv1a, pattern, setup } from './http-server-support.js';
import { bytes, concat } from './http-test-support.js';

const MiB = 1024 * 1024;

/** A server whose /flash route writes the body to a slow "flash" (1 ms per chunk), watching memory as it goes. */
function flashServer() {
  const state = {
    busy: false,
    overlaps: 0,
    chunks: 0,
    bytes: 0,
    hash: 0x811c9dc5,
    maxBuffered: 0,
    done: false,
  };
  const context = setup({ readChunkBytes: 1024, maxOutputBytes: 2048 }, (router) => {
    router.post('/flash', ({ request }, response) => {
      request.read({
        onData: async (chunk) => {
          if (state.busy) state.overlaps++;
          state.busy = true;
          state.chunks++;
          state.bytes += chunk.length;
          state.hash = fnv1a(chunk, state.hash);
          state.maxBuffered = Math.max(state.maxBuffered, context.server.bufferedBytes);
          await sleep(context.clock, 1); // the flash write
          state.busy = false;
        },
        onEnd: () => {
          state.done = true;
          response.json(200, { bytes: state.bytes, hash: state.hash });
        },
      });
    });
  });
  return { ...context, state };
}

async function until(clock: { advance(ms: number): Promise<void> }, condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100000 && !condition(); i++) await clock.advance(1);
  ok(condition(), 'condition never became true');
}

test('HttpServer: a 1 MiB upload streams through onData with backpressure; the server holds ≤ its read chunk', async () => {
  const { connect, clock, state } = flashServer();
  const image = pattern(MiB, 9);
  const client = connect();
  client.send(`POST /flash HTTP/1.1\r\nHost: b\r\nContent-Length: ${MiB}\r\n\r\n`);
  for (let at = 0; at < MiB; at += 65536) client.send(image.subarray(at, at + 65536));
  ok(client.maxInbound > 512 * 1024, 'the client got far ahead of the flash writes');
  await until(clock, () => state.done);
  equal(state.overlaps, 0, 'onData never ran while the previous chunk was still being written');
  equal(state.bytes, MiB);
  ok(state.chunks >= MiB / 1024, `at most 1 KiB per onData (${state.chunks} chunks)`);
  ok(state.maxBuffered <= 1024, `server held ${state.maxBuffered} bytes`);
  const [response] = parseResponses(client.received);
  deepEqual(JSON.parse(response!.bodyText), { bytes: MiB, hash: fnv1a(image) });
});

test('HttpServer: a 1 MiB chunked upload in odd-sized chunks streams the same way', async () => {
  const { connect, clock, state } = flashServer();
  const image = pattern(MiB, 4);
  const client = connect();
  client.send('POST /flash HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n');
  for (let at = 0; at < MiB; ) {
    const size = Math.min(3001, MiB - at);
    client.send(concat(bytes(`${size.toString(16)}\r\n`), image.subarray(at, at + size), bytes('\r\n')));
    at += size;
  }
  client.send('0\r\n\r\n');
  await until(clock, () => state.done);
  equal(state.overlaps, 0);
  ok(state.maxBuffered <= 1024 + 100, `server held ${state.maxBuffered} bytes`);
  deepEqual(JSON.parse(parseResponses(client.received)[0]!.bodyText), { bytes: MiB, hash: fnv1a(image) });
});

test('HttpServer: a streamed response waits for a slow client; queued output stays under the limit', async () => {
  const body = pattern(64 * 1024, 2);
  let maxBuffered = 0;
  let finished = false;
  const { connect, clock, server } = setup({ maxOutputBytes: 4096 }, (router) => {
    router.get('/dump', async (_context, response) => {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      for (let at = 0; at < body.length; at += 1000) {
        if (!response.write(body.subarray(at, at + 1000))) await response.drained();
        maxBuffered = Math.max(maxBuffered, server.bufferedBytes);
      }
      response.end();
      finished = true;
    });
  });
  const client = connect({ window: 2000, autoRead: false });
  client.send('GET /dump HTTP/1.1\r\nHost: b\r\n\r\n');
  for (let i = 0; i < 10000 && !finished; i++) {
    client.read(1500);
    await clock.advance(0);
  }
  while (client.read() > 0) await clock.advance(0);
  ok(finished, 'the handler finished');
  ok(maxBuffered <= 4096 + 1000 + 16, `server held ${maxBuffered} bytes`);
  const [response] = parseResponses(client.received);
  equal(response!.headers.get('transfer-encoding'), 'chunked');
  equal(response!.body.length, body.length);
  equal(fnv1a(response!.body), fnv1a(body));
});

test('HttpServer: Server-Sent Events — events, multi-line data, keep-alive comments, then close', async () => {
  let stream: EventStream | undefined;
  const { connect, clock } = setup({}, (router) => {
    router.get('/api/events', (_context, response) => {
      stream = response.events({ keepAliveMs: 1000, retryMs: 3000 });
    });
  });
  const client = connect();
  client.send('GET /api/events HTTP/1.1\r\nHost: b\r\n\r\n');
  ok(stream, 'the route opened a stream');
  const text = () => client.receivedText;
  ok(/^HTTP\/1\.1 200 OK\r\n/.test(text()));
  ok(text().includes('Content-Type: text/event-stream\r\n'));
  ok(text().includes('Cache-Control: no-cache\r\n'));
  ok(text().includes('retry: 3000\n\n'));
  ok(stream!.sendEvent('progress', '{"phase":"write","percent":50}'));
  ok(text().includes('event: progress\ndata: {"phase":"write","percent":50}\n\n'));
  stream!.sendEvent('log', 'line one\nline two', '7');
  ok(text().includes('event: log\nid: 7\ndata: line one\ndata: line two\n\n'));
  equal(text().includes(':\n\n'), false);
  await clock.advance(1001);
  ok(text().includes(':\n\n'), 'a keep-alive comment after 1 s of silence');
  stream!.close();
  client.send('GET /api/status HTTP/1.1\r\nHost: b\r\n\r\n');
  const responses = parseResponses(client.received);
  equal(responses.length, 2, 'the stream ended properly and the connection served the next request');
  ok(responses[0]!.bodyText.startsWith('retry: 3000\n\nevent: progress'));
  equal(responses[1]!.status, 200);
});

test('HttpServer: Server-Sent Events to a client that stops reading are dropped and counted; its going is noticed', async () => {
  let stream: EventStream | undefined;
  let closedSeen = 0;
  const { connect, clock, server } = setup({ maxOutputBytes: 1024 }, (router) => {
    router.get('/api/events', (_context, response) => {
      stream = response.events({ keepAliveMs: 0 });
      stream.onClose = () => closedSeen++;
    });
  });
  const client = connect({ window: 512, autoRead: false });
  client.send('GET /api/events HTTP/1.1\r\nHost: b\r\n\r\n');
  let sent = 0;
  for (let i = 0; i < 200; i++) if (stream!.sendEvent('progress', `{"bytes":${i * 1024}}`)) sent++;
  ok(stream!.dropped > 0, 'some events were dropped');
  equal(sent + stream!.dropped, 200);
  ok(server.bufferedBytes <= 1024 + 100, `server held ${server.bufferedBytes} bytes`);
  client.reset();
  await clock.advance(0);
  equal(closedSeen, 1);
  ok(stream!.closed);
  equal(stream!.sendEvent('progress', '{}'), false);
  equal(server.connections, 0);
});

test('HttpServer: a streamed response to an HTTP/1.0 client is delimited by closing the connection', () => {
  const { connect } = setup({}, (router) => {
    router.get('/log', (_context, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write('first ');
      response.write('second');
      response.end();
    });
  });
  const client = connect();
  client.send('GET /log HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const [response] = parseResponses(client.received);
  equal(response!.headers.get('transfer-encoding'), undefined);
  equal(response!.headers.get('connection'), 'close');
  equal(response!.bodyText, 'first second');
  ok(client.serverClosed);
});
