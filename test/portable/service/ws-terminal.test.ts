import { CLOSE_TRY_AGAIN_LATER } from '../../../src/service/ws-terminal.js';
import { equal, match, ok } from '../assert.js';
import { test } from '../harness.js';
import { apiRig, newFirmware, WsTestClient } from './http-api-rig.js';

test('WebSocket terminal: what the browser types reaches the demo application, its echo comes back as binary frames', async () => {
  const r = apiRig();
  await r.clock.advance(50);
  const ws = new WsTestClient(r.network, r.server.port);
  await r.clock.advance(5);
  equal(ws.status, 101);
  ws.sendText('hello\r');
  ws.sendBinary(Uint8Array.of(0x62, 0x79, 0x74, 0x65, 0x73, 0x0d));
  await r.clock.advance(50);
  match(ws.output, /echo: hello\r\n/);
  match(ws.output, /echo: bytes\r\n/);
  equal(ws.texts.length, 0, 'no notices without a flash job');
  // The terminal is a client of the hub, with its counters in the status.
  const status = JSON.parse((await r.call('GET', '/api/status')).bodyText);
  equal(status.clients.length, 1);
  const client = status.clients[0];
  equal(client.kind, 'websocket');
  equal(client.fromClientBytes, 12);
  equal(client.toClientBytes, ws.output.length);
  equal(client.droppedBytes, 0);
});

test('WebSocket terminal: it leaves the hub when the browser closes', async () => {
  const r = apiRig();
  const ws = new WsTestClient(r.network, r.server.port);
  await r.clock.advance(5);
  equal(r.hub.clients.length, 1);
  ws.close();
  await r.clock.advance(20);
  equal(ws.closeCode, 1000);
  equal(r.hub.clients.length, 0);
  equal(r.server.connections, 0);
});

test('WebSocket terminal: notices of a flash job arrive as text frames; typing meanwhile reaches the new application', async () => {
  const r = apiRig();
  await r.clock.advance(50);
  const ws = new WsTestClient(r.network, r.server.port);
  await r.clock.advance(5);
  const flashing = r.request('POST', '/api/flash?name=notice.bin', newFirmware('notice').data);
  await r.clock.advance(300);
  equal(r.hub.takenFor, 'flash job 1');
  ws.sendText('during\r');
  const answer = await r.clock.run(flashing);
  equal(answer.status, 200, answer.bodyText);
  await r.clock.advance(200);
  equal(ws.texts.length, 2);
  match(ws.texts[0]!, /flash job 1 started; serial paused/);
  match(ws.texts[1]!, /flash job 1 finished; serial resumed at 115200 8N1/);
  match(ws.output, /echo: during\r\n/);
});

test('WebSocket terminal: when the hub is full the browser is told with close code 1013 and the reason', async () => {
  const r = apiRig({ hub: { maxClients: 1 } });
  const first = new WsTestClient(r.network, r.server.port);
  await r.clock.advance(5);
  const second = new WsTestClient(r.network, r.server.port);
  await r.clock.advance(20);
  equal(second.status, 101);
  equal(second.closeCode, CLOSE_TRY_AGAIN_LATER);
  match(second.closeReason, /all 1 client slots are in use/);
  equal(first.closeCode, undefined);
  equal(r.hub.clients.length, 1);
});

test('WebSocket terminal: a browser that stops reading loses the oldest output, counted; the UART never waits', async () => {
  const r = apiRig({ api: { terminal: { queueBytes: 512, frameBytes: 256 } }, httpCapacity: 1024 });
  await r.clock.advance(50);
  const slow = new WsTestClient(r.network, r.server.port);
  await r.clock.advance(5);
  slow.raw.paused = true;
  const line = 'x'.repeat(100);
  for (let i = 0; i < 20; i++) slow.sendText(`${line}${i}\r`);
  await r.clock.advance(1000);
  const stats = r.hub.clients[0]!;
  const echoed = stats.toClientBytes;
  ok(echoed >= 20 * 108, `all 20 echoes left the UART (${echoed} bytes)`);
  ok(stats.droppedBytes > 0, 'some output was dropped');
  slow.raw.resume();
  await r.clock.advance(200);
  // Everything that was not dropped arrived, in order, and the newest output is there.
  equal(slow.output.length + stats.droppedBytes, echoed);
  match(slow.output, /echo: x{100}19\r\n$/);
});
