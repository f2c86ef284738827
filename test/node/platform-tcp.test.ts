import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TcpSocket } from '../../src/io/contracts.js';
import {
  connectTcp,
  createNodeListener,
  type NodeListener,
  nodeListener,
} from '../../src/platform/node/tcp.js';

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);
}

/** An end of a connection that gathers what it reads and writes with the would-block protocol. */
class Peer {
  socket: TcpSocket | undefined;
  readonly received: number[] = [];
  reading = true;
  closed = false;
  errors: Error[] = [];
  private writableWaiter: (() => void) | undefined;
  readonly callbacks = {
    onReadable: () => {
      if (this.reading) this.drain();
    },
    onWritable: () => {
      const waiter = this.writableWaiter;
      this.writableWaiter = undefined;
      waiter?.();
    },
    onClose: () => {
      this.closed = true;
    },
    onError: (error: Error) => this.errors.push(error),
  };

  drain(): void {
    for (let bytes = this.socket?.read(); bytes; bytes = this.socket?.read()) this.received.push(...bytes);
  }

  async writeAll(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const piece = bytes.subarray(offset, offset + 8192);
      try {
        this.socket!.write(piece);
        offset += piece.length;
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'WOULD_BLOCK');
        const room = (error as { room: number }).room;
        if (room > 0) {
          this.socket!.write(piece.subarray(0, room));
          offset += room;
        }
        await new Promise<void>((resolve) => (this.writableWaiter = resolve));
      }
    }
  }
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Listen on a free port; the first accepted connection becomes `server`. */
async function pair(capacities = {}) {
  const server = new Peer();
  const listener = createNodeListener(capacities)({
    port: 0,
    onReadable: () => {
      server.socket = listener.accept(server.callbacks);
    },
  }) as NodeListener;
  await listener.listening;
  assert.ok(listener.port > 0, 'the ephemeral port bound is known once listening');
  const client = new Peer();
  client.socket = await connectTcp('127.0.0.1', listener.port, client.callbacks, capacities);
  await until(() => server.socket !== undefined);
  return { listener, server, client };
}

test('node TCP: 256 KiB each way, intact, through 4 KiB bounded buffers', async () => {
  const { listener, server, client } = await pair({ inputCapacity: 4096, outputCapacity: 4096 });
  try {
    const up = pattern(256 * 1024, 1);
    const down = pattern(256 * 1024, 2);
    await Promise.all([client.writeAll(up), server.writeAll(down)]);
    await until(() => server.received.length === up.length && client.received.length === down.length);
    assert.deepEqual(Uint8Array.from(server.received), up);
    assert.deepEqual(Uint8Array.from(client.received), down);
    assert.equal(server.socket!.remoteAddress, '127.0.0.1');
  } finally {
    client.socket!.close();
    server.socket!.close();
    listener.close();
  }
});

test('node TCP: a reader that stops pauses its socket; the writer gets WOULD_BLOCK, then onWritable after reads resume', async () => {
  const { listener, server, client } = await pair({ inputCapacity: 8192, outputCapacity: 8192 });
  try {
    server.reading = false;
    let blocked = false;
    const big = new Uint8Array(1024);
    for (let i = 0; i < 100_000 && !blocked; i++) {
      try {
        client.socket!.write(big);
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'WOULD_BLOCK');
        blocked = true;
      }
      if (i % 16 === 15) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    assert.ok(blocked, 'write() refused once the bounded output queue was full');
    const waiting = (server.socket as unknown as { readable: number }).readable;
    assert.ok(waiting <= 8192 + 65536, `input held is bounded (${waiting} bytes)`);
    const writable = new Promise<void>((resolve) => {
      client.callbacks.onWritable = () => resolve();
    });
    server.reading = true;
    server.drain();
    await writable;
  } finally {
    client.socket!.close();
    server.socket!.close();
    listener.close();
  }
});

test('node TCP: the peer closing is onClose; writing after close is TCP_CLOSED', async () => {
  const { listener, server, client } = await pair();
  try {
    client.socket!.write(Uint8Array.of(1, 2, 3));
    client.socket!.close();
    await until(() => server.closed);
    assert.deepEqual(server.received, [1, 2, 3]);
    assert.throws(() => client.socket!.write(Uint8Array.of(4)), { code: 'TCP_CLOSED' });
  } finally {
    listener.close();
  }
});

test('node TCP: a port in use fails with TCP_LISTEN and a hint; connecting to nobody is TCP_CONNECT', async () => {
  const first = nodeListener({ port: 0, onReadable: () => {} }) as NodeListener;
  await first.listening;
  const errors: Error[] = [];
  const second = nodeListener({
    port: first.port,
    onReadable: () => {},
    onError: (error) => errors.push(error),
  }) as NodeListener;
  await assert.rejects(second.listening, { code: 'TCP_LISTEN', message: /port is taken/ });
  assert.equal(errors.length, 1);
  const port = first.port;
  first.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await assert.rejects(connectTcp('127.0.0.1', port, {}), { code: 'TCP_CONNECT' });
});
