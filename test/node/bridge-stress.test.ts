import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UART_8N1 } from '../../src/io/contracts.js';
import { SerialLink } from '../../src/io/serial-link.js';
import { createListenerGroup } from '../../src/platform/node/tcp.js';
import { nodeTimer } from '../../src/platform/node/timer.js';
import { RawBridgeService } from '../../src/service/raw-bridge.js';
import { UartHub } from '../../src/service/uart-hub.js';
import { EchoDevice } from '../portable/service/echo-device.js';
import { NetClient, until } from './bridge-support.js';

const BAUD = 921_600;
const PER_CLIENT = 64 * 1024;
const CLIENTS = 4;

/** Client k's bytes: k in the top two bits, a running count below, so the UART's stream can be told apart. */
function clientData(k: number): Buffer {
  return Buffer.from(Uint8Array.from({ length: PER_CLIENT }, (_, i) => (k << 6) | (i & 63)));
}

test('raw bridge stress: 4 clients at 921600 baud, 256 KiB each way; a client that stops reading holds nobody up, nobody else loses a byte', async () => {
  const settings = { ...UART_8N1, baud: BAUD };
  const link = new SerialLink(nodeTimer, { timing: true, chunkBytes: 256 });
  const device = new EchoDevice(link.b, settings);
  const hub = new UartHub({ provider: link.a, settings, timer: nodeTimer });
  hub.open();
  const net = createListenerGroup();
  const bridge = new RawBridgeService({
    listen: net.listen,
    hub,
    timer: nodeTimer,
    port: 0,
    stallTimeoutMs: 1000,
  });
  await net.bound();
  const clients = Array.from({ length: CLIENTS }, () => new NetClient(bridge.port));
  const stalled = new NetClient(bridge.port);
  try {
    await Promise.all([...clients, stalled].map((client) => client.connected));
    stalled.socket.pause();
    await until(() => hub.clients.length === CLIENTS + 1, 2000, 'all attached');
    const stalledStats = hub.clients.find((stats) => stats.remote.endsWith(`:${stalled.socket.localPort}`))!;
    assert.ok(stalledStats, 'the stalled client is known to the hub');
    const started = Date.now();
    for (const [k, client] of clients.entries()) client.socket.write(clientData(k));
    const total = CLIENTS * PER_CLIENT;
    await until(() => clients.every((client) => client.received >= total), 15_000, 'all echoes received');
    const seconds = (Date.now() - started) / 1000;

    // Up: the UART got every client's bytes, each client's in its order (interleaved between clients).
    const atUart = device.received();
    assert.equal(atUart.length, total);
    for (let k = 0; k < CLIENTS; k++) {
      const mine = atUart.filter((byte) => byte >> 6 === k);
      assert.deepEqual(Buffer.from(mine), clientData(k), `client ${k}'s bytes reached the UART intact`);
    }
    // Down: every client that kept up received exactly what the UART sent.
    for (const client of clients) assert.deepEqual(client.bytes(), Buffer.from(atUart));
    // The wire needs total × 10 bits / 921600 bit/s; the stalled reader did not slow the others down.
    const wireSeconds = (total * 10) / BAUD;
    assert.ok(
      seconds < wireSeconds * 2 + 1,
      `took ${seconds.toFixed(2)} s for ${wireSeconds.toFixed(2)} s of wire`,
    );
    // The reader that stopped never held anyone up: the bridge handed it all the output too, and what its socket
    // did not take waits in its bounded queue or was dropped and counted. (On loopback Linux buffers megabytes per
    // socket, so drops and the stall cut-off are proven on the bounded loopback network: raw-bridge.test.ts.)
    assert.equal(stalledStats.toClientBytes, total);
    const stalledState = bridge.clients.find((state) => state.stats === stalledStats);
    assert.ok(!stalledState || stalledState.queuedBytes <= 16 * 1024);
    for (const state of bridge.clients) {
      if (state.stats !== stalledStats) assert.equal(state.stats.droppedBytes, 0);
    }
  } finally {
    for (const client of [...clients, stalled]) client.close();
    bridge.close();
    hub.close();
  }
});
