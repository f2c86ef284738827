/** The platform/moddable adapters one by one, over the fakes of Moddable's modules (run by tools/test-device.ts). */
import type { Digital } from '../../src/io/contracts.js';
import { ResourceAssetStore } from '../../src/platform/moddable/assets.js';
import { openTargetPin } from '../../src/platform/moddable/digital.js';
import { nativeFormat } from '../../src/platform/moddable/serial.js';
import { deviceListen } from '../../src/platform/moddable/tcp.js';
import { bytesEqual, deepEqual, equal, ok, throws } from '../portable/assert.js';
import { test } from '../portable/harness.js';
import { TestClient } from '../portable/service/bridge-rig.js';
import { resetWorld } from './fakes/world.js';

/** A line that remembers what was driven onto it and can be pulled low from outside (a reset button). */
function line(): Digital & { level: 0 | 1; heldLow: boolean } {
  const state = {
    level: 1 as 0 | 1,
    heldLow: false,
    read(): 0 | 1 {
      return state.heldLow ? 0 : state.level;
    },
    write(value: 0 | 1) {
      state.level = value;
    },
    close() {},
  };
  return state;
}

test('target pins: inverted lines drive the opposite level; open-drain NRST reads the line, not the last write', () => {
  const world = resetWorld();
  const boot0Line = line();
  const nrstLine = line();
  world.pins.set(4, boot0Line);
  world.pins.set(5, nrstLine);
  const boot0 = openTargetPin({ pin: 4, invert: true }, 0);
  equal(boot0Line.level, 1, 'BOOT0 low through an inverting transistor: the GPIO is high from the start');
  boot0.write(1);
  equal(boot0Line.level, 0);
  equal(boot0.read(), 1);
  const nrst = openTargetPin({ pin: 5, openDrain: true }, 1);
  equal(world.pinModes.get(5), 'OutputOpenDrain');
  equal(nrst.read(), 1);
  nrstLine.heldLow = true;
  equal(nrst.read(), 0, 'someone holds the reset button');
});

test('serial format: 8E1, 7O2, 5N1.5 go to the native UART; mark and space parity are refused', () => {
  deepEqual(nativeFormat({ baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 }), {
    baud: 115200,
    dataBits: 8,
    parity: 'even',
    stopBits: 1,
  });
  equal(nativeFormat({ baud: 9600, dataBits: 7, parity: 'odd', stopBits: 2 }).parity, 'odd');
  deepEqual(nativeFormat({ baud: 9600, dataBits: 5, parity: 'none', stopBits: 1.5 }), {
    baud: 9600,
    dataBits: 5,
    parity: 'none',
    stopBits: 1.5,
  });
  throws(() => nativeFormat({ baud: 9600, dataBits: 8, parity: 'mark', stopBits: 1 }), {
    code: 'UART_FORMAT',
    message: /8M1/,
  });
  throws(() => nativeFormat({ baud: 9600, dataBits: 8, parity: 'space', stopBits: 2 }), {
    code: 'UART_FORMAT',
    message: /8S2/,
  });
});

test('TCP: past the connection budget a new connection is closed at once; closing one frees its place', async () => {
  const world = resetWorld();
  const logged: string[] = [];
  const listen = deviceListen({ maxConnections: 2, log: (_level, message) => logged.push(message) });
  const accepted: Array<{ close(): void }> = [];
  const listener = listen({
    port: 7000,
    onReadable: () => {
      for (let socket = listener.accept({}); socket; socket = listener.accept({})) accepted.push(socket);
    },
  });
  const clients = [0, 1, 2].map(() => new TestClient(world.network, 7000));
  await world.clock.advance(10);
  equal(accepted.length, 2);
  deepEqual(
    clients.map((client) => client.closed),
    [false, false, true],
  );
  deepEqual(logged, ['port 7000: connection refused, all 2 connections in use']);
  accepted[0]!.close();
  const late = new TestClient(world.network, 7000);
  await world.clock.advance(10);
  equal(accepted.length, 3);
  equal(late.closed, false);
});

test('TCP: an exception in a connection handler is logged and closes that connection only; the next is served', async () => {
  const world = resetWorld();
  const logged: string[] = [];
  const listen = deviceListen({
    maxConnections: 4,
    log: (level, message) => logged.push(`${level} ${message}`),
  });
  const failures: string[] = [];
  const listener = listen({
    port: 7001,
    onReadable: () => {
      for (;;) {
        const socket = listener.accept({
          onReadable: () => {
            const bytes = socket!.read();
            if (bytes?.[0] === 0x21) throw new TypeError('a handler bug');
            socket!.write(bytes!);
          },
          onError: (error) => failures.push(error.message),
        });
        if (!socket) return;
      }
    },
  });
  const bad = new TestClient(world.network, 7001);
  const good = new TestClient(world.network, 7001);
  await world.clock.advance(10);
  bad.send('!boom');
  good.send('echo');
  await world.clock.advance(10);
  equal(bad.closed, true, 'the failing connection is closed');
  equal(logged.length, 1);
  equal(
    logged[0]!.split('\n')[0],
    'error port 7001: reading: TypeError: a handler bug',
    'first line; the stack follows',
  );
  deepEqual(failures, ['closed after an error in its handler']);
  equal(good.closed, false);
  equal(good.text(), 'echo', 'the other connection is still served');
});

test('web assets: the .gz resource is served gzip-coded, one object per file; paths outside the list are not', () => {
  const world = resetWorld();
  world.resources.set('app.js.gz', Uint8Array.of(0x1f, 0x8b, 9));
  world.resources.set('robots.txt', Uint8Array.of(0x41));
  const store = new ResourceAssetStore();
  const app = store.get('/app.js')!;
  ok(app);
  equal(app.gzip, true);
  equal(app.type, 'text/javascript; charset=utf-8');
  bytesEqual(app.body, Uint8Array.of(0x1f, 0x8b, 9));
  equal(store.get('/app.js'), app, 'made once, so its ETag is hashed once');
  equal(store.get('/robots.txt')!.gzip, false);
  equal(store.get('/app.js.gz'), undefined);
  equal(store.get('/../secret'), undefined);
  equal(store.get('/missing.css'), undefined);
});
