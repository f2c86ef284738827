import { UART_8N1 } from '../../../src/io/contracts.js';
import { LoopbackNetwork, type LoopbackNetworkOptions } from '../../../src/io/loopback-net.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { AuthGuard } from '../../../src/service/auth-guard.js';
import { PasswordStore } from '../../../src/service/password-store.js';
import { RAW_BRIDGE_PORT, type RawBridgeOptions, RawBridgeService } from '../../../src/service/raw-bridge.js';
import { MemoryStorage } from '../../../src/service/settings.js';
import { UartHub, type UartHubOptions } from '../../../src/service/uart-hub.js';
import { bannerText } from '../../../src/sim/demo-app.js';
import { bytesEqual, equal, match, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { simRig, TestClient } from './bridge-rig.js';
import { EchoDevice } from './echo-device.js';

/** The rig, with the power-on banner already sent (to nobody). */
async function bridgeRig(
  hubOptions: Partial<UartHubOptions> = {},
  bridgeOptions: Partial<RawBridgeOptions> = {},
  networkOptions: LoopbackNetworkOptions = {},
) {
  const rig = simRig(hubOptions);
  await rig.clock.advance(20);
  const network = new LoopbackNetwork(rig.clock, networkOptions);
  const bridge = new RawBridgeService({
    listen: network.listen,
    hub: rig.hub,
    timer: rig.clock,
    ...bridgeOptions,
  });
  const connect = () => new TestClient(network, bridge.port);
  return { ...rig, network, bridge, connect };
}

test('RawBridgeService: listens on 1234; a client gets the demo banner after a reset and its lines echoed', async () => {
  const r = await bridgeRig();
  equal(r.bridge.port, RAW_BRIDGE_PORT);
  const client = r.connect();
  await r.clock.advance(10);
  equal(r.hub.clients.length, 1);
  equal(r.hub.clients[0]!.kind, 'raw');
  await r.clock.run(r.target.reset());
  await r.clock.advance(50);
  equal(client.text(), bannerText('STM32F103C8', r.chip.appCrc(), 64 * 1024));
  client.send('hello bridge\r\n');
  await r.clock.advance(50);
  match(client.text(), /echo: hello bridge\r\n$/);
  equal(r.hub.clients[0]!.fromClientBytes, 14);
});

test('RawBridgeService: two clients both receive all output, whoever typed', async () => {
  const r = await bridgeRig();
  const a = r.connect();
  const b = r.connect();
  await r.clock.advance(10);
  a.send('from a\r\n');
  await r.clock.advance(20);
  b.send('from b\r\n');
  await r.clock.advance(20);
  equal(a.text(), 'echo: from a\r\necho: from b\r\n');
  equal(b.text(), a.text());
});

test('RawBridgeService: exclusive policy: the first writer owns input, the other still hears everything', async () => {
  const r = await bridgeRig({ policy: 'exclusive' });
  const a = r.connect();
  const b = r.connect();
  await r.clock.advance(10);
  a.send('mine\r\n');
  await r.clock.advance(20);
  b.send('ignored\r\n');
  await r.clock.advance(20);
  equal(b.text(), 'echo: mine\r\n');
  equal(r.hub.clients[1]!.refusedBytes, 9);
  a.socket.close();
  await r.clock.advance(10);
  equal(r.hub.clients.length, 1);
  b.send('now me\r\n');
  await r.clock.advance(20);
  equal(b.text(), 'echo: mine\r\necho: now me\r\n');
});

test('RawBridgeService: a client that stops reading gets drops counted, then is disconnected; the other misses nothing', async () => {
  const r = await bridgeRig({}, { queueBytes: 1024, stallTimeoutMs: 3000 }, { capacity: 2048 });
  const fast = r.connect();
  const slow = r.connect();
  slow.reading = false;
  await r.clock.advance(10);
  let expected = '';
  for (let i = 0; i < 100; i++) {
    const line = `line ${i} ${'x'.repeat(50)}`;
    fast.send(`${line}\r\n`);
    expected += `echo: ${line}\r\n`;
    await r.clock.advance(6);
  }
  await r.clock.advance(1000);
  equal(fast.text(), expected);
  const slowStats = r.hub.clients[1]!;
  // The socket holds 2048 bytes and the bridge's queue 1024: the rest of ~6 KB of output was dropped and counted.
  equal(slowStats.droppedBytes, expected.length - 2048 - 1024);
  equal(r.bridge.clients[1]!.queuedBytes, 1024);
  ok(!slow.closed);
  await r.clock.advance(3000);
  ok(slow.closed, 'the stalled client was disconnected');
  equal(r.hub.clients.length, 1);
  equal(r.bridge.clients.length, 1);
  fast.send('still here\r\n');
  await r.clock.advance(20);
  match(fast.text(), /echo: still here\r\n$/);
});

test('RawBridgeService: when the hub is full a client gets the refusal as a line and is closed', async () => {
  const r = await bridgeRig({ maxClients: 2 });
  r.connect();
  r.connect();
  const third = r.connect();
  await r.clock.advance(10);
  equal(third.text(), 'airboot: all 2 client slots are in use; try again later\r\n');
  ok(third.closed);
  equal(r.hub.clients.length, 2);
  equal(r.bridge.clients.length, 2);
});

test('RawBridgeService: its own client limit refuses with a line too, leaving hub slots to other services', async () => {
  const r = await bridgeRig({}, { maxClients: 1 });
  const first = r.connect();
  const second = r.connect();
  await r.clock.advance(10);
  equal(second.text(), 'airboot: all 1 raw bridge slots are in use; try again later\r\n');
  ok(second.closed && !first.closed);
  equal(r.hub.clients.length, 1);
});

test('RawBridgeService: flash notices reach raw clients as text; what they type meanwhile waits and arrives after', async () => {
  const r = await bridgeRig();
  const client = r.connect();
  await r.clock.advance(10);
  const lease = r.hub.acquire('flash job 7');
  await r.clock.advance(10);
  client.send('typed during the flash\r\n');
  await r.clock.advance(100);
  equal(r.hub.clients[0]!.fromClientBytes, 0, 'input waits in the socket while the UART is taken');
  lease.release();
  await r.clock.advance(100);
  equal(
    client.text(),
    '\r\n[airboot: flash job 7 started; serial paused]\r\n' +
      '\r\n[airboot: flash job 7 finished; serial resumed at 115200 8N1]\r\n' +
      'echo: typed during the flash\r\n',
  );
  equal(r.hub.clients[0]!.refusedBytes, 0);
});

test('RawBridgeService: close() stops listening and disconnects every client', async () => {
  const r = await bridgeRig();
  const a = r.connect();
  const b = r.connect();
  await r.clock.advance(10);
  r.bridge.close();
  await r.clock.advance(10);
  ok(a.closed && b.closed);
  equal(r.hub.clients.length, 0);
  throws(() => r.connect(), { code: 'CONNECTION_REFUSED' });
});

test('RawBridgeService: client input is read only as fast as the UART takes it, so 32 KiB sent at once reach the wire intact', async () => {
  const clock = new VirtualClock();
  const link = new SerialLink(clock, { timing: true });
  const device = new EchoDevice(link.b, UART_8N1);
  const hub = new UartHub({ provider: link.a, settings: UART_8N1, timer: clock });
  hub.open();
  const network = new LoopbackNetwork(clock);
  const bridge = new RawBridgeService({ listen: network.listen, hub, timer: clock, port: 0 });
  const client = new TestClient(network, bridge.port);
  const data = Uint8Array.from({ length: 32 * 1024 }, (_, i) => (i * 7 + (i >> 9)) & 0xff);
  let offset = 0;
  // Write as fast as the socket takes it: TCP flow control is all that holds the client back.
  while (offset < data.length) {
    await clock.advance(5);
    const room = network.capacity - (client.socket as unknown as { outboxBytes: number }).outboxBytes;
    const piece = data.subarray(offset, offset + Math.max(0, Math.min(room, 4096)));
    try {
      client.send(piece);
      offset += piece.length;
    } catch {
      // would block: try again later
    }
  }
  await clock.advance(4000);
  bytesEqual(device.received(), data);
  bytesEqual(client.received(), data);
  equal(hub.clients[0]!.fromClientBytes, data.length);
  // 32 KiB of 10-bit characters at 115200 baud take 2.8 s on the wire; the bridge did not read faster.
  equal(hub.totals.toUart, data.length);
});

function loginGuard(clock: VirtualClock) {
  let next = 1;
  const random = (into: Uint8Array) => {
    for (let i = 0; i < into.length; i++) into[i] = next++ & 0xff;
  };
  const password = new PasswordStore(new MemoryStorage(), { iterations: 4, random });
  password.set('bridge pw');
  return new AuthGuard({ password, timer: clock, random });
}

test('RawBridgeService with login: the first line must be the password; it never reaches the UART', async () => {
  const rig = simRig();
  await rig.clock.advance(20);
  const network = new LoopbackNetwork(rig.clock);
  const auth = loginGuard(rig.clock);
  const bridge = new RawBridgeService({
    listen: network.listen,
    hub: rig.hub,
    timer: rig.clock,
    login: auth,
  });
  const good = new TestClient(network, bridge.port);
  await rig.clock.advance(10);
  equal(rig.hub.clients.length, 0, 'not attached before the password line');
  // The password and the first data in one write: the data is the session's, not the gate's.
  good.send('bridge pw\r\nhello\r\n');
  await rig.clock.advance(50);
  equal(rig.hub.clients.length, 1);
  equal(good.text(), 'echo: hello\r\n');
  equal(rig.hub.clients[0]!.fromClientBytes, 7);
  const bad = new TestClient(network, bridge.port);
  await rig.clock.advance(10);
  bad.send('guess\n');
  await rig.clock.advance(50);
  equal(bad.text(), 'ERR wrong password\r\n');
  ok(bad.closed);
  equal(rig.hub.clients.length, 1);
  const silent = new TestClient(network, bridge.port);
  await rig.clock.advance(30_000);
  match(silent.text(), /^ERR no password line in time/);
  const long = new TestClient(network, bridge.port);
  await rig.clock.advance(10);
  long.send('x'.repeat(300));
  await rig.clock.advance(10);
  match(long.text(), /^ERR password line over 258 bytes/);
});
