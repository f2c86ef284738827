import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { Router } from '../../../src/net/http/router.js';
import { HttpServer } from '../../../src/net/http/server.js';
import {
  type Asset,
  type AssetStore,
  acceptsGzip,
  assetEtag,
  assetType,
  withStaticAssets,
} from '../../../src/service/static-assets.js';
import { bytesEqual, deepEqual, equal, match, notEqual, ok } from '../assert.js';
import { test } from '../harness.js';
import { FakeNetwork } from '../net/fake-listener.js';
import { parseResponses } from '../net/http-client-support.js';

/** Stand-in gzip bytes: serveStatic never looks inside, it only labels them. */
const GZIPPED_INDEX = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

function store(): AssetStore & { files: Map<string, Asset> } {
  const files = new Map<string, Asset>([
    ['/index.html', { body: GZIPPED_INDEX, type: 'text/html; charset=utf-8', gzip: true }],
    ['/app.js', { body: encodeUtf8('console.log(1)'), type: 'text/javascript; charset=utf-8', gzip: false }],
  ]);
  return { files, get: (path) => files.get(path) };
}

function rig() {
  const network = new FakeNetwork();
  const assets = store();
  const router = new Router();
  router.get('/api/status', (_context, response) => response.json(200, { state: 'running' }));
  const server = new HttpServer({
    listen: network.listen,
    port: 0,
    timer: new VirtualClock(),
    handler: withStaticAssets(assets, router.handler),
  });
  /** One request on a fresh connection; the parsed answer. */
  const request = (head: string) => {
    const client = network.connect(server.port);
    client.send(`${head}\r\n\r\n`);
    const responses = parseResponses(client.received, [head.startsWith('HEAD ')]);
    equal(responses.length, 1, 'one response');
    return { ...responses[0]!, raw: client.received };
  };
  return { assets, request };
}

test('serveStatic: GET / sends index.html gzip-coded, with its type, a length, no-cache and an ETag', () => {
  const { request } = rig();
  const response = request('GET / HTTP/1.1\r\nHost: airboot\r\nAccept-Encoding: gzip, deflate, br');
  equal(response.status, 200);
  bytesEqual(response.body, GZIPPED_INDEX);
  equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  equal(response.headers.get('content-encoding'), 'gzip');
  equal(response.headers.get('content-length'), String(GZIPPED_INDEX.length));
  equal(response.headers.get('cache-control'), 'no-cache');
  equal(response.headers.get('vary'), 'Accept-Encoding');
  match(response.headers.get('etag') ?? '', /^"[0-9a-f]{8}-[0-9a-f]+"$/);
});

test('serveStatic: an asset stored plain is sent without Content-Encoding, whatever the client accepts', () => {
  const { request } = rig();
  const response = request('GET /app.js HTTP/1.1\r\nHost: airboot\r\nAccept-Encoding: identity');
  equal(response.status, 200);
  equal(response.bodyText, 'console.log(1)');
  equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
  equal(response.headers.get('content-encoding'), undefined);
  equal(response.headers.get('vary'), undefined);
});

test('serveStatic: HEAD gets the same fields as GET and no body', () => {
  const { request } = rig();
  const get = request('GET /index.html HTTP/1.1\r\nHost: airboot');
  const head = request('HEAD /index.html HTTP/1.1\r\nHost: airboot');
  equal(head.status, 200);
  equal(head.body.length, 0);
  equal(head.headers.get('content-length'), String(GZIPPED_INDEX.length));
  equal(head.headers.get('etag'), get.headers.get('etag'));
  equal(head.headers.get('content-encoding'), 'gzip');
  // Exactly the head: nothing after the empty line.
  const text = String.fromCharCode(...head.raw);
  ok(text.endsWith('\r\n\r\n'), 'HEAD answer ends after its fields');
});

test('serveStatic: If-None-Match with the current ETag (also weak, also in a list) answers 304 without a body', () => {
  const { request } = rig();
  const etag = request('GET / HTTP/1.1\r\nHost: airboot').headers.get('etag')!;
  for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const response = request(`GET / HTTP/1.1\r\nHost: airboot\r\nIf-None-Match: ${condition}`);
    equal(response.status, 304, condition);
    equal(response.body.length, 0);
    equal(response.headers.get('etag'), etag);
    equal(response.headers.get('cache-control'), 'no-cache');
  }
  const stale = request('GET / HTTP/1.1\r\nHost: airboot\r\nIf-None-Match: "00000000-0"');
  equal(stale.status, 200);
  // Entity-tags compare case-sensitively (RFC 9110 §8.8.3): an upper-cased tag is another tag.
  const shouted = request(`GET / HTTP/1.1\r\nHost: airboot\r\nIf-None-Match: ${etag.toUpperCase()}`);
  notEqual(etag.toUpperCase(), etag, "this fixture's tag has hex letters");
  equal(shouted.status, 200);
});

test('serveStatic: a client that rules gzip out gets 406 for a gzip-only asset, not bytes it cannot read', () => {
  const { request } = rig();
  for (const field of ['identity', 'gzip;q=0, deflate', 'br']) {
    const response = request(`GET / HTTP/1.1\r\nHost: airboot\r\nAccept-Encoding: ${field}`);
    equal(response.status, 406, field);
    match(response.bodyText, /Accept-Encoding: gzip/);
    equal(response.headers.get('content-encoding'), undefined);
  }
});

test('serveStatic: unknown paths and other methods fall through to the router', () => {
  const { request } = rig();
  equal(request('GET /missing.js HTTP/1.1\r\nHost: airboot').status, 404);
  const api = request('GET /api/status HTTP/1.1\r\nHost: airboot');
  equal(api.status, 200);
  deepEqual(JSON.parse(api.bodyText), { state: 'running' });
  // POST / is not a static request: the router answers it (404, as it has no such route).
  const post = request('POST / HTTP/1.1\r\nHost: airboot\r\nContent-Length: 0');
  equal(post.status, 404);
  match(post.bodyText, /NOT_FOUND/);
});

test('acceptsGzip: follows RFC 9110 §12.5.3 for absent fields, q-values and the wildcard', () => {
  const head = (field?: string) => ({
    headers: new Map(field === undefined ? [] : [['accept-encoding', field]]),
  });
  const cases: [string | undefined, boolean][] = [
    [undefined, true],
    ['gzip', true],
    ['GZIP;q=0.5', true],
    ['x-gzip', true],
    ['gzip;q=0', false],
    ['*', true],
    ['*;q=0', false],
    ['identity', false],
    ['', false],
    ['deflate, *;q=0.1', true],
  ];
  for (const [field, expected] of cases) {
    equal(acceptsGzip(head(field) as never), expected, `Accept-Encoding: ${field}`);
  }
});

test('assetEtag: the same bytes give the same tag; one changed byte or a store-given tag changes it', () => {
  const body = encodeUtf8('<!doctype html><title>airboot</title>');
  const asset: Asset = { body, type: 'text/html', gzip: false };
  const first = assetEtag(asset);
  equal(assetEtag({ ...asset, body: body.slice() }), first);
  const changed = body.slice();
  changed[10] ^= 1;
  notEqual(assetEtag({ ...asset, body: changed }), first);
  equal(assetEtag({ ...asset, etag: '"v2"' }), '"v2"');
  equal(assetType('app.JS'), 'text/javascript; charset=utf-8');
  equal(assetType('style.css'), 'text/css; charset=utf-8');
  equal(assetType('README'), 'application/octet-stream');
});
