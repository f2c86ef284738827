import { UART_8N1 } from '../../../src/io/contracts.js';
import { LoopbackNetwork } from '../../../src/io/loopback-net.js';
import { encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { helpText } from '../../../src/net/lines/index.js';
import { AuthGuard } from '../../../src/service/auth-guard.js';
import { CONTROL_PORT, ControlPortService } from '../../../src/service/control-port.js';
import { type ControlTarget, HubControlTarget } from '../../../src/service/control-target.js';
import { PasswordStore } from '../../../src/service/password-store.js';
import { RawBridgeService } from '../../../src/service/raw-bridge.js';
import { MemoryStorage } from '../../../src/service/settings.js';
import { bannerText } from '../../../src/sim/demo-app.js';
import { deepEqual, equal, match, ok } from '../assert.js';
import { test } from '../harness.js';
import { simRig, TestClient } from './bridge-rig.js';

/** The sim behind a hub, a raw bridge and a control port on one loopback network; the power-on banner is past. */
async function controlRig(options: { maxClients?: number; target?: ControlTarget } = {}) {
  const rig = simRig();
  await rig.clock.advance(20);
  const network = new LoopbackNetwork(rig.clock);
  const target =
    options.target ??
    new HubControlTarget({
      hub: rig.hub,
      target: rig.target,
      version: '9.8.7',
      boot0: rig.boot0,
      nrst: rig.nrst,
      wiring: 'BOOT0=DTR NRST=RTS',
      lastFlash: () => 'succeeded app.hex 3000 bytes verified',
    });
  const control = new ControlPortService({
    listen: network.listen,
    target,
    maxClients: options.maxClients,
  });
  const bridge = new RawBridgeService({ listen: network.listen, hub: rig.hub, timer: rig.clock });
  const raw = new TestClient(network, bridge.port);
  const connect = () => new TestClient(network, control.port);
  const user = connect();
  await rig.clock.advance(5);
  /** Send lines, let time pass, return the reply lines that came back for them. */
  const ask = async (text: string, ms = 50, client = user) => {
    const before = client.lines().length;
    client.send(text);
    await rig.clock.advance(ms);
    return client.lines().slice(before);
  };
  return { ...rig, network, control, bridge, raw, connect, user, ask };
}

test('ControlPortService: listens on 1235; help lists every command on one line', async () => {
  const r = await controlRig();
  equal(r.control.port, CONTROL_PORT);
  deepEqual(await r.ask('help\r\n'), [`OK ${helpText()}`]);
  match(helpText(), /baud N.*format 8N1.*version/);
});

test('ControlPortService: status shows state, UART, clients and the last flash', async () => {
  const r = await controlRig();
  deepEqual(await r.ask('status\n'), [
    'OK state=running baud=115200 format=8N1 clients=1 dropped=0 last-flash=succeeded app.hex 3000 bytes verified',
  ]);
  deepEqual(await r.ask('version\n'), ['OK airboot 9.8.7']);
  deepEqual(await r.ask('pins\n'), ['OK BOOT0=0 NRST=1 (BOOT0=DTR NRST=RTS)']);
});

test('ControlPortService: boot holds the chip in its bootloader at 8E1, and the raw bridge reaches it', async () => {
  const r = await controlRig();
  deepEqual(await r.ask('boot\r\n', 400), ['OK bootloader, UART 115200 8E1']);
  equal(r.chip.mode, 'bootloader');
  deepEqual(r.hub.settings, { baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 });
  deepEqual(await r.ask('pins\n'), ['OK BOOT0=1 NRST=1 (BOOT0=DTR NRST=RTS)']);
  match((await r.ask('status\n'))[0]!, /^OK state=bootloader baud=115200 format=8E1 /);
  // AN3155 §2: 0x7F synchronises, the bootloader answers ACK (0x79).
  const before = r.raw.receivedBytes;
  r.raw.send(Uint8Array.of(0x7f));
  await r.clock.advance(20);
  deepEqual([...r.raw.received().subarray(before)], [0x79]);
});

test('ControlPortService: run goes back to the application at 8N1 and its banner comes again', async () => {
  const r = await controlRig();
  await r.ask('boot\n', 400);
  const before = r.raw.receivedBytes;
  deepEqual(await r.ask('run\n', 400), ['OK application running, UART 115200 8N1']);
  equal(r.chip.mode, 'app');
  deepEqual(r.hub.settings, UART_8N1);
  const banner = bannerText('STM32F103C8', r.chip.appCrc(), 64 * 1024);
  equal(r.raw.text().slice(-banner.length), banner);
  equal(r.raw.receivedBytes - before, encodeUtf8(banner).length, 'nothing but the banner arrived');
  deepEqual(await r.ask('reset\n', 400), ['OK target reset (running)']);
  equal(r.raw.text().slice(-2 * banner.length), banner + banner);
});

test('ControlPortService: baud and format change the UART; bad values get ERR with a hint', async () => {
  const r = await controlRig();
  deepEqual(await r.ask('baud 57600\n'), ['OK UART 57600 8N1']);
  deepEqual(await r.ask('FORMAT 8e1\n'), ['OK UART 57600 8E1']);
  deepEqual(r.hub.settings, { baud: 57600, dataBits: 8, parity: 'even', stopBits: 1 });
  const [bad] = await r.ask('baud fast\n');
  match(bad!, /^ERR 'fast' is not a whole number .*e\.g\. baud 115200$/);
  const [badFormat] = await r.ask('format 9X1\n');
  match(badFormat!, /^ERR '9X1' is not a UART format .*format 8N1/);
  // The application's settings follow while it runs: run restores 57600 8E1.
  deepEqual(await r.ask('run\n', 400), ['OK application running, UART 57600 8E1']);
});

test('ControlPortService: unknown commands, extra words and long lines get ERR; the next command still works', async () => {
  const r = await controlRig();
  deepEqual(await r.ask('frobnicate\n'), ["ERR unknown command 'frobnicate' \u2014 try: help"]);
  deepEqual(await r.ask('status now\n'), ["ERR 'status' takes no argument \u2014 usage: status"]);
  deepEqual(await r.ask('\r\n\r\n'), [], 'blank lines are not commands');
  const replies = await r.ask(`${'x'.repeat(1000)}\r\nversion\r\n`);
  deepEqual(replies, ['ERR line longer than 256 bytes; the rest of it is ignored', 'OK airboot 9.8.7']);
});

test('ControlPortService: several commands in one packet get their replies in order', async () => {
  const r = await controlRig();
  const replies = await r.ask('version\r\nboot\r\nversion\r\nrun\r\npins\r\n', 1000);
  deepEqual(replies, [
    'OK airboot 9.8.7',
    'OK bootloader, UART 115200 8E1',
    'OK airboot 9.8.7',
    'OK application running, UART 115200 8N1',
    'OK BOOT0=0 NRST=1 (BOOT0=DTR NRST=RTS)',
  ]);
});

test('ControlPortService: an exception in a command is ERR <message>; during a flash job the pins are left alone', async () => {
  const r = await controlRig();
  const lease = r.hub.acquire('flash job 3');
  deepEqual(await r.ask('boot\n'), ['ERR the target is busy (flash job 3); try again when it has finished']);
  equal(r.chip.mode, 'app');
  match((await r.ask('status\n'))[0]!, /^OK state=flashing /);
  lease.release();
  const broken = await controlRig({
    target: {
      status: () => {
        throw new TypeError('status source is gone');
      },
      reset: () => Promise.reject(new Error('NRST line failed')),
      boot: async () => 'x',
      run: async () => 'x',
      setBaud: () => 'x',
      setFormat: () => 'x',
      pins: () => 'x',
      version: '0',
    },
  });
  deepEqual(await broken.ask('status\nreset\nversion\n'), [
    'ERR status source is gone',
    'ERR NRST line failed',
    'OK airboot 0',
  ]);
});

test('ControlPortService: four clients at once by default; a fifth gets ERR and is closed', async () => {
  const r = await controlRig();
  const others = [r.connect(), r.connect(), r.connect()];
  const fifth = r.connect();
  await r.clock.advance(10);
  equal(r.control.clientCount, 4);
  deepEqual(fifth.lines(), ['ERR busy: all 4 control connections are in use; close one and try again']);
  ok(fifth.closed);
  deepEqual(await r.ask('version\n', 50, others[2]), ['OK airboot 9.8.7']);
  others[0]!.socket.close();
  await r.clock.advance(10);
  equal(r.control.clientCount, 3);
  const again = r.connect();
  await r.clock.advance(10);
  deepEqual(await r.ask('version\n', 50, again), ['OK airboot 9.8.7']);
});

test('ControlPortService: 200 commands pasted at once are all answered, in order', async () => {
  const r = await controlRig();
  const replies = await r.ask('version\n'.repeat(200), 500);
  equal(replies.length, 200);
  ok(replies.every((line) => line === 'OK airboot 9.8.7'));
});

test('ControlPortService: random bytes in random pieces get only OK/ERR lines, and the port still answers after', async () => {
  const r = await controlRig();
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  for (let sent = 0; sent < 16 * 1024; ) {
    const piece = Uint8Array.from({ length: 1 + Math.floor(random() * 300) }, () =>
      Math.floor(random() * 256),
    );
    r.user.send(piece);
    sent += piece.length;
    await r.clock.advance(5);
  }
  await r.clock.advance(200);
  const replies = await r.ask('\r\nversion\r\n', 100);
  equal(replies[replies.length - 1], 'OK airboot 9.8.7');
  const all = r.user.lines();
  ok(all.length > 10, `garbage produced ERR replies (${all.length})`);
  ok(
    all.every((line) => /^(OK|ERR)( |$)/.test(line)),
    'every reply line is OK or ERR',
  );
  equal(r.chip.mode, 'app');
});

test('ControlPortService: a client that never reads its replies is closed; the others are unaffected', async () => {
  const r = await controlRig();
  const deaf = r.connect();
  deaf.reading = false;
  await r.clock.advance(5);
  for (let i = 0; i < 40 && !deaf.closed; i++) {
    deaf.send('help\n'.repeat(20));
    await r.clock.advance(20);
  }
  await r.clock.advance(100);
  equal(r.control.clientCount, 1);
  deepEqual(await r.ask('version\n'), ['OK airboot 9.8.7']);
});

test('ControlPortService: with an admin password, changes need `login`; wrong ones back off (shared guard)', async () => {
  const rig = simRig();
  await rig.clock.advance(20);
  const network = new LoopbackNetwork(rig.clock);
  let next = 1;
  const random = (into: Uint8Array) => {
    for (let i = 0; i < into.length; i++) into[i] = next++ & 0xff;
  };
  const password = new PasswordStore(new MemoryStorage(), { iterations: 4, random });
  const auth = new AuthGuard({ password, timer: rig.clock, random });
  const target = new HubControlTarget({
    hub: rig.hub,
    target: rig.target,
    version: '1',
    boot0: rig.boot0,
    nrst: rig.nrst,
  });
  const control = new ControlPortService({ listen: network.listen, target, auth });
  const user = new TestClient(network, control.port);
  await rig.clock.advance(5);
  const ask = async (text: string, client = user) => {
    const before = client.lines().length;
    client.send(text);
    await rig.clock.advance(400);
    return client.lines().slice(before);
  };
  // No password: everything open, login says so.
  deepEqual(await ask('login x\n'), ['OK no admin password is set: every command is open']);
  match((await ask('reset\n'))[0]!, /^OK/);
  password.set('open sesame');
  deepEqual(await ask('reset\n'), ["ERR log in first: login PASSWORD (an admin password protects 'reset')"]);
  deepEqual(await ask('baud 9600\n'), [
    "ERR log in first: login PASSWORD (an admin password protects 'baud')",
  ]);
  match((await ask('status\n'))[0]!, /^OK state=/, 'reading is open');
  deepEqual(await ask('login open\n'), ['ERR wrong password']);
  deepEqual(await ask('login open sesame\n'), ['OK logged in']);
  match((await ask('reset\n'))[0]!, /^OK/);
  // Another connection is not logged in.
  const other = new TestClient(network, control.port);
  await rig.clock.advance(5);
  match((await ask('boot\n', other))[0]!, /^ERR log in first/);
  deepEqual(await ask('logout\n'), ['OK logged out']);
  match((await ask('run\n'))[0]!, /^ERR log in first/);
  // Back-off (all loopback clients share one address; the success above cleared its count): after the free
  // failures, even the right password waits.
  deepEqual(await ask('login a\n', other), ['ERR wrong password']);
  deepEqual(await ask('login b\n', other), ['ERR wrong password']);
  deepEqual(await ask('login c\n', other), ['ERR wrong password']);
  deepEqual(await ask('login open sesame\n', other), ['ERR too many wrong passwords; try again in 1 s']);
  await rig.clock.advance(1000);
  deepEqual(await ask('login open sesame\n', other), ['OK logged in']);
  // A new password ends the login.
  password.set('changed');
  match((await ask('reset\n', other))[0]!, /^ERR log in first/);
});
