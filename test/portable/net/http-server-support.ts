/** A server on a fake network with a few routes, shared by the HTTP server tests. */
import { sleep } from '../../../src/io/contracts.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { Router, readJsonBody } from '../../../src/net/http/router.js';
import { HttpServer, type HttpServerOptions } from '../../../src/net/http/server.js';
import { FakeNetwork } from './fake-listener.js';

/** A checksum of a byte stream, updated piece by piece (FNV-1a, 32 bits). */
export function fnv1a(data: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Deterministic test data. */
export function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

export function setup(options: Partial<HttpServerOptions> = {}, extra?: (router: Router) => void) {
  const network = new FakeNetwork();
  const clock = new VirtualClock();
  const router = new Router();
  const log: string[] = [];
  router.get('/api/status', (_context, response) => response.json(200, { state: 'running' }));
  router.get('/api/flash/:id', ({ params, query }, response) =>
    response.json(200, { id: params['id'], verify: query.get('verify') ?? null }),
  );
  router.delete('/api/flash/:id', (_context, response) => response.send(204, ''));
  // Echo: the body's length and checksum, counted as it streams in.
  router.post('/echo', ({ request }, response) => {
    let length = 0;
    let hash = 0x811c9dc5;
    request.read({
      onData(chunk) {
        length += chunk.length;
        hash = fnv1a(chunk, hash);
      },
      onEnd() {
        response.json(200, { length, hash });
      },
    });
  });
  router.post('/api/json', async ({ request }, response) => {
    const value = await readJsonBody(request, 64);
    response.json(200, { got: value });
  });
  router.post('/slow-json', async ({ request }, response) => {
    await sleep(clock, 5);
    const value = await readJsonBody(request);
    response.json(200, { got: value });
  });
  extra?.(router);
  const server = new HttpServer({
    listen: network.listen,
    port: 0,
    timer: clock,
    handler: router.handler,
    log: (level, message) => log.push(`${level}: ${message}`),
    ...options,
  });
  return {
    network,
    clock,
    router,
    server,
    log,
    connect: (connectOptions: { window?: number; autoRead?: boolean } = {}) =>
      network.connect(server.port, connectOptions),
  };
}
