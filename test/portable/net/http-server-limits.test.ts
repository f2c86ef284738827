import { sleep } from '../../../src/io/contracts.js';
import { equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { parseResponses } from './http-client-support.js';
import { setup } from './http-server-support.js';
import { bytes, random } from './http-test-support.js';

const LIMITS = { maxRequestLineBytes: 64, maxHeaderLineBytes: 100, maxHeaderBytes: 200, maxBodyBytes: 1000 };

test('HttpServer: each kind of bad request gets its status, a JSON error, and the connection closed', () => {
  const cases: Array<[string, string, number]> = [
    ['garbled request line', 'GARBAGE\r\n\r\n', 400],
    ['missing Host', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['request line too long', `GET /${'a'.repeat(80)} HTTP/1.1\r\nHost: b\r\n\r\n`, 414],
    [
      'header section too large',
      `GET / HTTP/1.1\r\nHost: b\r\n${'X-A: 12345678901234567890\r\n'.repeat(9)}\r\n`,
      431,
    ],
    ['body over the limit', 'POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: 2000\r\n\r\n', 413],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: b\r\n\r\n', 505],
    [
      'unknown transfer coding',
      'POST /echo HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      501,
    ],
  ];
  for (const [what, request, status] of cases) {
    const { connect } = setup({ limits: LIMITS });
    const client = connect();
    client.send(request);
    const responses = parseResponses(client.received);
    equal(responses.length, 1, what);
    equal(responses[0]!.status, status, what);
    equal(responses[0]!.headers.get('connection'), 'close', what);
    ok(typeof (JSON.parse(responses[0]!.bodyText) as { error: unknown }).error === 'string', what);
    ok(client.serverClosed, `${what}: connection closed`);
  }
});

test('HttpServer: a bad request after a good one on the same connection: 200, then 400 and close', () => {
  const { connect } = setup();
  const client = connect();
  client.send(
    'GET /api/status HTTP/1.1\r\nHost: b\r\n\r\nGET / HTTP/1.1\r\nHost: b\r\nBad Header: x\r\n\r\n',
  );
  const responses = parseResponses(client.received);
  equal(responses.length, 2);
  equal(responses[0]!.status, 200);
  equal(responses[1]!.status, 400);
  ok(client.serverClosed);
});

test('HttpServer: broken chunked framing in a streamed body aborts the sink and answers 400', () => {
  const events: string[] = [];
  const { connect } = setup({}, (router) => {
    router.post('/upload', ({ request }, response) => {
      request.read({
        onData: (chunk) => {
          events.push(`data ${chunk.length}`);
        },
        onEnd: () => events.push('end'),
        onAbort: (error) => events.push(`abort ${(error as { code?: string }).code}`),
      });
      response.onClose = () => events.push('response closed');
    });
  });
  const client = connect();
  client.send('POST /upload HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz\r\n');
  equal(events.join(','), 'data 4,abort BAD_CHUNK,response closed');
  equal(parseResponses(client.received)[0]!.status, 400);
  ok(client.serverClosed);
});

test('HttpServer: an upload cut off by the client aborts the sink (never onEnd)', () => {
  const events: string[] = [];
  const { connect, server } = setup({}, (router) => {
    router.post('/upload', ({ request }) => {
      request.read({
        onData: (chunk) => {
          events.push(`data ${chunk.length}`);
        },
        onEnd: () => events.push('end'),
        onAbort: () => events.push('abort'),
      });
    });
  });
  const client = connect();
  client.send('POST /upload HTTP/1.1\r\nHost: b\r\nContent-Length: 100\r\n\r\n0123456789');
  client.end();
  equal(events.join(','), 'data 10,abort');
  ok(client.serverClosed);
  equal(server.connections, 0);
});

test('HttpServer: Expect: 100-continue gets "100 Continue" once the handler reads the body', () => {
  const { connect } = setup();
  const client = connect();
  client.send('POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n');
  const interim = parseResponses(client.received);
  equal(interim.length, 1);
  equal(interim[0]!.status, 100);
  client.send('abcd');
  const responses = parseResponses(client.received);
  equal(responses.length, 2);
  equal(responses[1]!.status, 200);
  ok(!client.serverClosed);
});

test('HttpServer: past maxConnections a client gets 503 and is closed; a freed slot serves again', () => {
  const { connect, server } = setup({ maxConnections: 2 });
  const a = connect();
  const b = connect();
  // Both in the middle of a request: busy, so neither is closed to make room (see the idle eviction test).
  a.send('GET /api/status HTTP/1.1\r\nHo');
  b.send('GET /api/status HTTP/1.1\r\nHo');
  const c = connect();
  const refused = parseResponses(c.received);
  equal(refused[0]!.status, 503);
  equal(refused[0]!.headers.get('retry-after'), '5');
  ok(c.serverClosed);
  equal(server.refusedConnections, 1);
  a.send('st: b\r\nConnection: close\r\n\r\n');
  ok(a.serverClosed);
  equal(server.connections, 1);
  const d = connect();
  d.send('GET /api/status HTTP/1.1\r\nHost: b\r\n\r\n');
  equal(parseResponses(d.received)[0]!.status, 200);
  ok(!b.serverClosed);
});

test('HttpServer: when full, the connection idle the longest is closed to make room; busy ones are kept', async () => {
  const { connect, clock, server } = setup({ maxConnections: 3 });
  const parked = connect(); // opened, never sent anything
  await clock.advance(10);
  const keepAlive = connect();
  keepAlive.send('GET /api/status HTTP/1.1\r\nHost: b\r\n\r\n');
  equal(parseResponses(keepAlive.received)[0]!.status, 200);
  const busy = connect();
  busy.send('GET /api/status HTTP/1.1\r\nHo');
  await clock.advance(10);
  const newcomer = connect();
  ok(parked.serverClosed, 'the longest idle connection made room');
  ok(!keepAlive.serverClosed && !busy.serverClosed);
  newcomer.send('GET /api/status HTTP/1.1\r\nHost: b\r\n\r\n');
  equal(parseResponses(newcomer.received)[0]!.status, 200);
  connect(); // one more newcomer
  ok(keepAlive.serverClosed, 'then the next idle one');
  ok(!busy.serverClosed, 'a half-sent request is never evicted');
  ok(server.connections <= 3);
  equal(server.refusedConnections, 0);
});

test('HttpServer: idle timeout closes a quiet keep-alive connection, answers 408 to a half-sent request', async () => {
  const { connect, clock, server } = setup({ idleTimeoutMs: 1000 });
  const quiet = connect();
  quiet.send('GET /api/status HTTP/1.1\r\nHost: b\r\n\r\n');
  const partial = connect();
  partial.send('GET /api/status HTTP/1.1\r\nHo');
  await clock.advance(999);
  ok(!quiet.serverClosed && !partial.serverClosed, 'not before the timeout');
  await clock.advance(2);
  ok(quiet.serverClosed, 'quiet connection closed');
  equal(parseResponses(quiet.received).length, 1, 'with nothing more sent');
  ok(partial.serverClosed);
  equal(parseResponses(partial.received)[0]!.status, 408);
  equal(server.connections, 0);
});

test('HttpServer: a handler working longer than the idle timeout is not cut off', async () => {
  const { connect, clock } = setup({ idleTimeoutMs: 1000 }, (router) => {
    router.post('/flash', async (_context, response) => {
      await sleep(clock, 5000);
      response.json(200, { done: true });
    });
  });
  const client = connect();
  client.send('POST /flash HTTP/1.1\r\nHost: b\r\nContent-Length: 0\r\n\r\n');
  await clock.advance(5500);
  equal(parseResponses(client.received)[0]!.status, 200);
  ok(!client.serverClosed, 'open: idle only 500 ms since the response');
  await clock.advance(600);
  ok(client.serverClosed, 'closed: idle 1100 ms since the response');
});

test('HttpServer: close() stops listening; an idle connection closes, a busy one after its response', async () => {
  const { connect, clock, server, network } = setup({}, (router) => {
    router.get('/slow', async (_context, response) => {
      await sleep(clock, 10);
      response.json(200, {});
    });
  });
  const idle = connect();
  const busy = connect();
  busy.send('GET /slow HTTP/1.1\r\nHost: b\r\n\r\n');
  server.close();
  ok(idle.serverClosed);
  ok(!busy.serverClosed);
  await clock.advance(20);
  const [response] = parseResponses(busy.received);
  equal(response!.headers.get('connection'), 'close');
  ok(busy.serverClosed);
  let refused = false;
  try {
    network.connect(server.port);
  } catch {
    refused = true;
  }
  ok(refused, 'nothing listens any more');
});

test('HttpServer: random and truncated input never crashes it; each connection is answered 4xx/5xx or left open', () => {
  const next = random(20261123);
  const { connect, server } = setup({ limits: LIMITS, maxConnections: 100 });
  const valid = 'POST /echo HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
  for (let round = 0; round < 60; round++) {
    const client = connect();
    const data = bytes(valid);
    // Corrupt a few bytes of a valid request, or send pure noise.
    if (round % 3 === 0) for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
    else for (let k = 0; k < 3; k++) data[Math.floor(next() * data.length)] = Math.floor(next() * 256);
    const cut = Math.floor(next() * (data.length + 1));
    client.send(data.subarray(0, cut));
    ok(server.bufferedBytes <= 100 * 200, `buffered ${server.bufferedBytes}`);
    if (client.received.length > 0) {
      for (const response of parseResponses(client.received)) {
        ok(
          response.status === 200 || (response.status >= 400 && response.status <= 505),
          `status ${response.status}`,
        );
      }
    }
    client.end();
    ok(client.serverClosed, 'closed after the client went');
  }
  equal(server.connections, 0);
});

test('HttpServer: a handler that reads the body after the client went gets onAbort, not silence', async () => {
  const events: string[] = [];
  const { connect, clock } = setup({}, (router) => {
    router.post('/later', async ({ request }, response) => {
      await sleep(clock, 10); // e.g. waiting for the flash lock
      request.read({
        onData: () => {
          events.push('data');
        },
        onEnd: () => events.push('end'),
        onAbort: () => events.push('abort'),
      });
      events.push(`closed ${response.closed}`);
      response.json(200, {}); // harmless: nobody is listening
    });
  });
  const client = connect();
  client.send('POST /later HTTP/1.1\r\nHost: b\r\nContent-Length: 10\r\n\r\n01234');
  client.end();
  await clock.advance(20);
  equal(events.join(','), 'abort,closed true');
  equal(client.received.length, 0);
});
