import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiClient } from '../../src/cli/remote/api-client.js';
import { RemoteError } from '../../src/cli/remote/errors.js';
import { DEFAULT_SERVICE_PORT, parseHost } from '../../src/cli/remote/host.js';
import { type ServerSentEvent, SseParser } from '../../src/cli/remote/sse.js';

test('--host forms: name.local, name, IPv4, IPv6, host:port, [v6]:port, URL; default port 8080', () => {
  assert.equal(DEFAULT_SERVICE_PORT, 8080);
  const cases: Array<[string, string, number, string]> = [
    ['bench.local', 'bench.local', 8080, 'http://bench.local:8080'],
    ['bench', 'bench', 8080, 'http://bench:8080'],
    ['10.0.0.5', '10.0.0.5', 8080, 'http://10.0.0.5:8080'],
    ['10.0.0.5:80', '10.0.0.5', 80, 'http://10.0.0.5:80'],
    ['esp-1.local:80', 'esp-1.local', 80, 'http://esp-1.local:80'],
    ['fe80::1', 'fe80::1', 8080, 'http://[fe80::1]:8080'],
    ['::1', '::1', 8080, 'http://[::1]:8080'],
    ['[::1]:9000', '::1', 9000, 'http://[::1]:9000'],
    ['http://10.0.0.5:8081', '10.0.0.5', 8081, 'http://10.0.0.5:8081'],
    ['http://bench.local/', 'bench.local', 8080, 'http://bench.local:8080'],
    ['http://[fd00::2]:81/api', 'fd00::2', 81, 'http://[fd00::2]:81'],
    ['HTTP://Bench.Local:8080', 'bench.local', 8080, 'http://bench.local:8080'],
  ];
  for (const [text, hostname, port, baseUrl] of cases) {
    assert.deepEqual(parseHost(text), { hostname, port, baseUrl }, text);
  }
});

test('--host refuses what it cannot use, saying why', () => {
  const refused: Array<[string, RegExp]> = [
    ['', /empty/],
    ['https://bench.local', /only http:\/\//],
    ['bench.local:0', /port must be 1–65535/],
    ['bench.local:70000', /port must be 1–65535/],
    ['bench.local:', /port must be 1–65535/],
    ['bench_1.local', /not a host name/],
    ['-bench', /not a host name/],
    ['ftp://x', /only http:\/\//],
    ['[zz::1]:80', /not a host name|IPv6/],
  ];
  for (const [text, message] of refused) assert.throws(() => parseHost(text), message, text);
});

test('SseParser: events split anywhere, CRLF/CR/LF line ends, comments, multi-line data', () => {
  const stream =
    ': keep-alive\r\n\r\nevent: progress\r\ndata: {"a":1}\r\n\r\nevent: done\rdata: line1\rdata: line2\r\rdata: plain\n\n';
  const expected: ServerSentEvent[] = [
    { event: 'progress', data: '{"a":1}' },
    { event: 'done', data: 'line1\nline2' },
    { event: 'message', data: 'plain' },
  ];
  for (const size of [1, 2, 3, 7, stream.length]) {
    const seen: ServerSentEvent[] = [];
    const parser = new SseParser((event) => seen.push(event));
    for (let i = 0; i < stream.length; i += size) parser.push(stream.slice(i, i + size));
    assert.deepEqual(seen, expected, `chunks of ${size}`);
  }
});

test('SseParser: an endless event is refused, not buffered without bound', () => {
  const parser = new SseParser(() => undefined);
  assert.throws(() => {
    for (let i = 0; i < 100; i++) parser.push(`data: ${'x'.repeat(8 * 1024)}\n`);
  }, /longer than/);
});

test('ApiClient: a body that is not JSON is a protocol error, an HTML 404 keeps its status', async () => {
  const http = await import('node:http');
  const server = http.createServer((request, response) => {
    if (request.url === '/api/status') response.end('<html>hello</html>');
    else {
      response.statusCode = 404;
      response.end('<html>not here</html>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const client = new ApiClient(parseHost(`127.0.0.1:${port}`));
    await assert.rejects(client.get('/api/status'), (error: unknown) => {
      assert.ok(error instanceof RemoteError);
      assert.equal(error.code, 'REMOTE_PROTOCOL');
      assert.match(error.message, /not JSON: <html>hello<\/html>/);
      return true;
    });
    await assert.rejects(client.post('/api/target/reset'), (error: unknown) => {
      assert.ok(error instanceof RemoteError);
      assert.equal(error.code, 'REMOTE_HTTP');
      assert.equal(error.status, 404);
      return true;
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
