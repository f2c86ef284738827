import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { UART_8N1 } from '../../src/io/contracts.js';
import { SerialLink } from '../../src/io/serial-link.js';
import { createListenerGroup } from '../../src/platform/node/tcp.js';
import { nodeTimer } from '../../src/platform/node/timer.js';
import { ControlPortService } from '../../src/service/control-port.js';
import { HubControlTarget } from '../../src/service/control-target.js';
import { RawBridgeService } from '../../src/service/raw-bridge.js';
import { TargetControl } from '../../src/service/target.js';
import { UartHub, type UartHubOptions } from '../../src/service/uart-hub.js';
import { bannerText } from '../../src/sim/demo-app.js';
import { demoFirmware } from '../../src/sim/demo-firmware.js';
import { hostOutput, SimulatedStm32 } from '../../src/sim/stm32-sim.js';
import { FLASH_BASE } from '../../src/stm32/chips.js';
import { NetClient, until } from './bridge-support.js';

/** The demo setup on real sockets: a simulated blue pill, the raw bridge and the control port on free ports. */
async function demo(hubOptions: Partial<UartHubOptions> = {}) {
  const link = new SerialLink(nodeTimer, { timing: true });
  const chip = new SimulatedStm32({
    model: 'F103C8',
    timer: nodeTimer,
    serial: link.b,
    start: 'pins',
    autobaud: () => link.settings('a')?.baud,
  });
  const firmware = demoFirmware('node bridge test');
  chip.flash.load(FLASH_BASE, firmware.read(FLASH_BASE, firmware.size));
  chip.powerOn();
  const hub = new UartHub({ provider: link.a, settings: UART_8N1, timer: nodeTimer, ...hubOptions });
  hub.open();
  const boot0 = hostOutput(chip.boot0);
  const nrst = hostOutput(chip.nrst);
  const target = new TargetControl({ boot0, nrst, timer: nodeTimer, resetPulseMs: 5 });
  const net = createListenerGroup();
  const bridge = new RawBridgeService({ listen: net.listen, hub, timer: nodeTimer, port: 0 });
  const control = new ControlPortService({
    listen: net.listen,
    port: 0,
    target: new HubControlTarget({ hub, target, version: '1.2.3', boot0, nrst }),
  });
  await net.bound();
  await new Promise((resolve) => setTimeout(resolve, 30)); // the power-on banner goes to nobody
  const banner = bannerText('STM32F103C8', chip.appCrc(), 64 * 1024);
  const close = () => {
    bridge.close();
    control.close();
    hub.close();
    chip.close();
  };
  return { chip, hub, bridge, control, banner, close };
}

/** Send a command line on a control connection and wait for its one reply line. */
async function ask(client: NetClient, line: string): Promise<string> {
  const before = client.lines().length;
  client.socket.write(`${line}\r\n`);
  await until(() => client.lines().length > before, 3000, `reply to ${line}`);
  return client.lines()[before]!;
}

test('bridge on node:net: two raw clients get the banner after `reset` on the control port, and every echo', async () => {
  const d = await demo();
  const a = new NetClient(d.bridge.port);
  const b = new NetClient(d.bridge.port);
  const user = new NetClient(d.control.port);
  try {
    await Promise.all([a.connected, b.connected, user.connected]);
    await until(() => d.hub.clients.length === 2, 2000, 'both attached');
    assert.equal(await ask(user, 'reset'), 'OK target reset (running)');
    await until(() => a.text() === d.banner && b.text() === d.banner, 2000, 'banner');
    a.socket.write('over tcp\r\n');
    await until(() => b.text().endsWith('echo: over tcp\r\n'), 2000, 'echo');
    assert.equal(a.text(), b.text());
    assert.match(await ask(user, 'status'), /^OK state=running baud=115200 format=8N1 clients=2 dropped=0 /);
  } finally {
    for (const client of [a, b, user]) client.close();
    d.close();
  }
});

test('bridge on node:net: boot reaches the ROM bootloader through the raw port (0x7F → 0x79), run brings the banner back', async () => {
  const d = await demo();
  const raw = new NetClient(d.bridge.port);
  const user = new NetClient(d.control.port);
  try {
    await Promise.all([raw.connected, user.connected]);
    assert.equal(await ask(user, 'boot'), 'OK bootloader, UART 115200 8E1');
    assert.equal(d.chip.mode, 'bootloader');
    await new Promise((resolve) => setTimeout(resolve, 150)); // the bootloader's start-up time
    raw.socket.write(Uint8Array.of(0x7f));
    await until(() => raw.received === 1, 2000, 'ACK');
    assert.deepEqual([...raw.bytes()], [0x79]);
    assert.equal(await ask(user, 'run'), 'OK application running, UART 115200 8N1');
    await until(() => raw.text().endsWith(d.banner), 2000, 'banner');
    assert.equal(d.chip.mode, 'app');
  } finally {
    raw.close();
    user.close();
    d.close();
  }
});

test('bridge on node:net: full raw bridge and control port refuse with a clear line and close', async () => {
  const d = await demo({ maxClients: 1 });
  const first = new NetClient(d.bridge.port);
  const controls = Array.from({ length: 5 }, () => new NetClient(d.control.port));
  try {
    await first.connected;
    await until(() => d.hub.clients.length === 1, 2000, 'first attached');
    const second = new NetClient(d.bridge.port);
    await until(() => second.ended, 2000, 'second closed');
    assert.equal(second.text(), 'airboot: all 1 client slots are in use; try again later\r\n');
    await until(() => controls.some((client) => client.ended), 2000, 'fifth control client closed');
    const refused = controls.filter((client) => client.ended);
    assert.equal(refused.length, 1);
    assert.deepEqual(refused[0]!.lines(), [
      'ERR busy: all 4 control connections are in use; close one and try again',
    ]);
    const served = controls.find((client) => !client.ended)!;
    assert.equal(await ask(served, 'frobnicate'), "ERR unknown command 'frobnicate' \u2014 try: help");
    assert.equal(await ask(served, 'version'), 'OK airboot 1.2.3');
  } finally {
    first.close();
    for (const client of controls) client.close();
    d.close();
  }
});

test('control port on real sockets: commands piped in and then end-of-stream (printf … | nc) are all answered', async () => {
  const d = await demo();
  try {
    const socket = net.connect(d.control.port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.end('status\r\nboot\r\nversion\r\n');
    await closed;
    const lines = text.split('\r\n').filter(Boolean);
    assert.equal(lines.length, 3, text);
    assert.match(lines[0]!, /^OK state=running/);
    assert.match(lines[1]!, /^OK bootloader, UART 115200 8E1/);
    assert.equal(lines[2], 'OK airboot 1.2.3');
    assert.equal(d.chip.mode, 'bootloader');
  } finally {
    d.close();
  }
});
