import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { parseResponses } from './http-client-support.js';
import { fnv1a, pattern, setup } from './http-server-support.js';
import { byteByByte, bytes, concat, splitAt } from './http-test-support.js';

const GET_STATUS = 'GET /api/status HTTP/1.1\r\nHost: bridge\r\n\r\n';

function json(body: string): unknown {
  return JSON.parse(body);
}

test('HttpServer: GET answers JSON with a Content-Length and keeps the connection', () => {
  const { connect } = setup();
  const client = connect();
  client.send(GET_STATUS);
  const [response, ...more] = parseResponses(client.received);
  equal(more.length, 0);
  equal(response!.status, 200);
  equal(response!.headers.get('content-type'), 'application/json');
  equal(response!.headers.get('content-length'), String(response!.body.length));
  equal(response!.headers.get('connection'), undefined);
  deepEqual(json(response!.bodyText), { state: 'running' });
  ok(!client.serverClosed, 'an HTTP/1.1 connection stays open');
});

test('HttpServer: a request split at every byte and at odd places gets the same answer', () => {
  const request = bytes('GET /api/flash/42?verify=1 HTTP/1.1\r\nHost: b\r\nUser-Agent: t\r\n\r\n');
  for (const pieces of [byteByByte(request), splitAt(request, 1, 17, 18, 40, 41), [request]]) {
    const { connect } = setup();
    const client = connect();
    for (const piece of pieces) client.send(piece);
    const responses = parseResponses(client.received);
    equal(responses.length, 1);
    deepEqual(json(responses[0]!.bodyText), { id: '42', verify: '1' });
  }
});

test('HttpServer: POST with Content-Length, the body split at odd places, streams through onData', () => {
  const body = pattern(5000, 3);
  const head = bytes(`POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: ${body.length}\r\n\r\n`);
  const request = concat(head, body);
  const { connect } = setup({ readChunkBytes: 700 });
  const client = connect();
  for (const piece of splitAt(request, 3, head.length - 1, head.length + 1, 2999, 3000, 4097))
    client.send(piece);
  const [response] = parseResponses(client.received);
  equal(response!.status, 200);
  deepEqual(json(response!.bodyText), { length: body.length, hash: fnv1a(body) });
});

test('HttpServer: POST with a chunked body split inside sizes, data and CRLFs', () => {
  const body = pattern(3000, 5);
  const chunked = concat(
    bytes('POST /echo HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n'),
    bytes('3e8\r\n'),
    body.subarray(0, 1000),
    bytes('\r\n7d0;ext=1\r\n'),
    body.subarray(1000),
    bytes('\r\n0\r\nX-Trailer: yes\r\n\r\n'),
  );
  const { connect } = setup();
  const client = connect();
  const offsets = [5, 60, 61, 62, 63, 64, 1066, 1067, 1068, 1075, 2000, chunked.length - 3];
  for (const piece of splitAt(chunked, ...offsets)) client.send(piece);
  const [response] = parseResponses(client.received);
  deepEqual(json(response!.bodyText), { length: body.length, hash: fnv1a(body) });
});

test('HttpServer: keep-alive carries three requests on one connection, one after the other', () => {
  const { connect, server } = setup();
  const client = connect();
  client.send(GET_STATUS);
  client.send('GET /api/flash/7 HTTP/1.1\r\nHost: b\r\n\r\n');
  client.send('POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: 3\r\n\r\nabc');
  const responses = parseResponses(client.received);
  deepEqual(
    responses.map((r) => r.status),
    [200, 200, 200],
  );
  deepEqual(json(responses[1]!.bodyText), { id: '7', verify: null });
  deepEqual(json(responses[2]!.bodyText), { length: 3, hash: fnv1a(bytes('abc')) });
  ok(!client.serverClosed);
  equal(server.connections, 1);
});

test('HttpServer: pipelined requests in one segment are answered in order, async handlers included', async () => {
  const { connect, clock } = setup();
  const client = connect();
  client.send(
    'POST /slow-json HTTP/1.1\r\nHost: b\r\nContent-Length: 7\r\n\r\n{"a":1}' +
      'GET /api/flash/2 HTTP/1.1\r\nHost: b\r\n\r\n' +
      'POST /api/json HTTP/1.1\r\nHost: b\r\nContent-Length: 5\r\n\r\n[1,2]',
  );
  equal(client.received.length, 0, 'the first (slow) request is answered first');
  await clock.advance(10);
  const responses = parseResponses(client.received);
  deepEqual(
    responses.map((r) => json(r.bodyText)),
    [{ got: { a: 1 } }, { id: '2', verify: null }, { got: [1, 2] }],
  );
});

test('HttpServer: Connection: close and HTTP/1.0 close after the response; 1.0 keep-alive is honoured', () => {
  const { connect } = setup();
  const a = connect();
  a.send('GET /api/status HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n');
  equal(parseResponses(a.received)[0]!.headers.get('connection'), 'close');
  ok(a.serverClosed, 'closed after Connection: close');

  const b = connect();
  b.send('GET /api/status HTTP/1.0\r\n\r\n');
  equal(parseResponses(b.received)[0]!.status, 200);
  ok(b.serverClosed, 'HTTP/1.0 closes by default');

  const c = connect();
  c.send('GET /api/status HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  equal(parseResponses(c.received)[0]!.headers.get('connection'), 'keep-alive');
  ok(!c.serverClosed, 'HTTP/1.0 keep-alive stays open');
});

test('HttpServer: 404 for an unknown path, 405 with Allow for a wrong method, HEAD without a body', () => {
  const { connect } = setup();
  const client = connect();
  client.send('GET /nowhere HTTP/1.1\r\nHost: b\r\n\r\n');
  client.send('PUT /api/flash/3 HTTP/1.1\r\nHost: b\r\nContent-Length: 2\r\n\r\n{}');
  client.send('HEAD /api/status HTTP/1.1\r\nHost: b\r\n\r\n');
  client.send('DELETE /api/flash/3 HTTP/1.1\r\nHost: b\r\n\r\n');
  const [notFound, notAllowed, head, deleted] = parseResponses(client.received, [false, false, true]);
  equal(notFound!.status, 404);
  equal((json(notFound!.bodyText) as { error: string }).error, 'NOT_FOUND');
  equal(notAllowed!.status, 405);
  equal(notAllowed!.headers.get('allow'), 'GET, HEAD, DELETE');
  equal(head!.status, 200);
  equal(head!.headers.get('content-length'), String(JSON.stringify({ state: 'running' }).length));
  equal(head!.body.length, 0);
  equal(deleted!.status, 204, 'the HEAD response had no body: the next response follows at once');
  ok(!client.serverClosed);
});

test('HttpServer: JSON body helper — parsed, 400 with a clear message for bad JSON, 413 past the limit', async () => {
  const { connect, clock } = setup();
  const good = connect();
  good.send('POST /api/json HTTP/1.1\r\nHost: b\r\nContent-Length: 11\r\n\r\n{"baud":96}');
  await clock.advance(0);
  deepEqual(json(parseResponses(good.received)[0]!.bodyText), { got: { baud: 96 } });

  const bad = connect();
  bad.send('POST /api/json HTTP/1.1\r\nHost: b\r\nContent-Length: 9\r\n\r\n{"baud":}');
  await clock.advance(0);
  const badResponse = parseResponses(bad.received)[0]!;
  equal(badResponse.status, 400);
  const badBody = json(badResponse.bodyText) as { error: string; message: string };
  equal(badBody.error, 'BAD_REQUEST');
  ok(/not valid JSON/.test(badBody.message), badBody.message);

  const declared = connect();
  declared.send('POST /api/json HTTP/1.1\r\nHost: b\r\nContent-Length: 65\r\n\r\n');
  await clock.advance(0);
  equal(parseResponses(declared.received)[0]!.status, 413, 'refused on its Content-Length');
  ok(declared.serverClosed);

  const chunked = connect();
  chunked.send('POST /api/json HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n');
  chunked.send(`40\r\n[${'1,'.repeat(31)}1\r\n`);
  chunked.send('10\r\n,234567890123456\r\n0\r\n\r\n');
  await clock.advance(0);
  equal(parseResponses(chunked.received)[0]!.status, 413, 'refused when the chunks pass the limit');
  ok(chunked.serverClosed);
});

test('HttpServer: a handler that throws gets 500, an HttpError its own status', async () => {
  const { connect, clock, log } = setup({}, (router) => {
    router.get('/boom', () => {
      throw new Error('kaput');
    });
    router.get('/later', async () => {
      await null;
      throw new Error('kaput later');
    });
  });
  const a = connect();
  a.send('GET /boom HTTP/1.1\r\nHost: b\r\n\r\n');
  const first = parseResponses(a.received)[0]!;
  equal(first.status, 500);
  ok(/kaput/.test(first.bodyText));
  const b = connect();
  b.send('GET /later HTTP/1.1\r\nHost: b\r\n\r\n');
  await clock.advance(0);
  equal(parseResponses(b.received)[0]!.status, 500);
  ok(log.some((line) => line.startsWith('error:') && line.includes('kaput later')));
});
