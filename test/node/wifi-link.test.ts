import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { startWifiLink } from '../../bench/wifi-link.js';

/** A target that keeps what it receives and lets the test write back on the latest connection. */
async function startTarget(): Promise<{
  server: Server;
  port: number;
  received: () => Buffer;
  socket: () => Socket;
  closed: Promise<void>;
}> {
  const chunks: Buffer[] = [];
  let latest: Socket | undefined;
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const server = createServer((socket) => {
    latest = socket;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => markClosed());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return { server, port, received: () => Buffer.concat(chunks), socket: () => latest!, closed };
}

async function connect(
  port: number,
): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = createConnection({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  // Not events.once: it rejects on the 'error' (ECONNRESET) that a dropped link is expected to cause.
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await once(socket, 'connect');
  return { socket, received: () => Buffer.concat(chunks), closed };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test('every byte arrives in order both ways despite jitter and a bandwidth limit', async () => {
  const target = await startTarget();
  const link = await startWifiLink({
    target: { host: '127.0.0.1', port: target.port },
    rttMs: 6,
    jitterMs: 5,
    bandwidthBytesPerSecond: 4_000_000,
  });
  const client = await connect(link.port);
  const up = randomBytes(150_000);
  const down = randomBytes(120_000);
  for (let offset = 0; offset < up.length; offset += 7000)
    client.socket.write(up.subarray(offset, offset + 7000));
  await until(() => target.received().length === up.length);
  for (let offset = 0; offset < down.length; offset += 333)
    target.socket().write(down.subarray(offset, offset + 333));
  await until(() => client.received().length === down.length);
  assert.ok(target.received().equals(up), 'upstream bytes differ');
  assert.ok(client.received().equals(down), 'downstream bytes differ');
  assert.equal(link.stats.upstreamBytes, up.length);
  assert.equal(link.stats.downstreamBytes, down.length);
  assert.equal(link.stats.connections, 1);
  client.socket.destroy();
  await link.close();
  target.server.close();
});

test('a round trip costs about one RTT and the first byte waits for the handshake', async () => {
  const rttMs = 40;
  const target = await startTarget();
  const link = await startWifiLink({ target: { host: '127.0.0.1', port: target.port }, rttMs });
  const connectedAt = performance.now();
  const client = await connect(link.port);
  client.socket.write(Buffer.from([1]));
  await until(() => target.received().length === 1);
  const firstByteMs = performance.now() - connectedAt;
  assert.ok(firstByteMs >= 1.5 * rttMs - 2, `first byte after ${firstByteMs} ms, expected ≥ 1.5 RTT`);
  const rounds: number[] = [];
  for (let i = 0; i < 4; i++) {
    const started = performance.now();
    target.socket().write(Buffer.from([i]));
    await until(() => client.received().length === i + 1);
    client.socket.write(Buffer.from([i]));
    await until(() => target.received().length === i + 2);
    rounds.push(performance.now() - started);
  }
  for (const ms of rounds) {
    assert.ok(ms >= rttMs - 2, `round trip ${ms} ms shorter than the RTT`);
    assert.ok(ms < rttMs + 60, `round trip ${ms} ms far longer than the RTT`);
  }
  client.socket.destroy();
  await link.close();
  target.server.close();
});

test('the bandwidth limit spreads a large write over time', async () => {
  const target = await startTarget();
  const link = await startWifiLink({
    target: { host: '127.0.0.1', port: target.port },
    rttMs: 0,
    bandwidthBytesPerSecond: 200_000,
    burstBytes: 10_000,
  });
  const client = await connect(link.port);
  const started = performance.now();
  client.socket.write(randomBytes(70_000));
  await until(() => target.received().length === 70_000);
  const seconds = (performance.now() - started) / 1000;
  // (70 000 − 10 000 burst) / 200 000 B/s = 0.3 s at least.
  assert.ok(seconds >= 0.28, `70 kB took ${seconds} s at 200 kB/s`);
  assert.ok(seconds < 1.5, `70 kB took ${seconds} s at 200 kB/s`);
  client.socket.destroy();
  await link.close();
  target.server.close();
});

test('cutAfterBytes.upstream delivers exactly that many bytes, then drops both sockets', async () => {
  const target = await startTarget();
  const link = await startWifiLink({
    target: { host: '127.0.0.1', port: target.port },
    rttMs: 2,
    cutAfterBytes: { upstream: 1000 },
  });
  const client = await connect(link.port);
  const sent = randomBytes(5000);
  client.socket.write(sent.subarray(0, 700));
  client.socket.write(sent.subarray(700));
  await Promise.all([client.closed, target.closed]);
  assert.ok(target.received().equals(sent.subarray(0, 1000)), `target got ${target.received().length} bytes`);
  assert.equal(link.stats.upstreamBytes, 1000);
  assert.equal(link.stats.cuts, 1);
  // The link itself is still up: a new connection works.
  const again = await connect(link.port);
  again.socket.write(Buffer.from('retry'));
  await until(() => target.received().length === 1005);
  again.socket.destroy();
  await link.close();
  target.server.close();
});

test('cutAfterBytes.downstream delivers exactly that many bytes to the client', async () => {
  const target = await startTarget();
  const link = await startWifiLink({
    target: { host: '127.0.0.1', port: target.port },
    rttMs: 2,
    cutAfterBytes: { downstream: 4321 },
  });
  const client = await connect(link.port);
  client.socket.write(Buffer.from('hello'));
  await until(() => target.received().length === 5);
  const answer = randomBytes(10_000);
  target.socket().write(answer);
  await Promise.all([client.closed, target.closed]);
  assert.ok(
    client.received().equals(answer.subarray(0, 4321)),
    `client got ${client.received().length} bytes`,
  );
  assert.equal(link.stats.downstreamBytes, 4321);
  assert.equal(link.stats.cuts, 1);
  await link.close();
  target.server.close();
});

test('cut() drops every open connection at once', async () => {
  const target = await startTarget();
  const link = await startWifiLink({ target: { host: '127.0.0.1', port: target.port }, rttMs: 0 });
  const first = await connect(link.port);
  const second = await connect(link.port);
  first.socket.write(Buffer.from('a'));
  second.socket.write(Buffer.from('b'));
  await until(() => target.received().length === 2);
  link.cut();
  await Promise.all([first.closed, second.closed]);
  assert.equal(link.stats.cuts, 2);
  assert.equal(link.stats.connections, 2);
  await link.close();
  target.server.close();
});
