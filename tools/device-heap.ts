/**
 * Measures the JS heap the device firmware takes, on the XS engine of @agoric/xsnap (docs/device.md "Heap budget"):
 * the firmware bundled with fake Moddable modules (tools/device-bundle.ts) is started on the simulated bench of
 * test/device/bench.ts, and after each step a garbage collection is run and xsnap's count of live slots is read.
 * Counting starts after the code is loaded and the bench (simulated chip, network, flash) is built, so what is
 * counted is what the firmware creates at run time — the part that lives in RAM on the device, where code and
 * preloaded modules stay in flash.
 *
 *   node dist/tools/device-heap.js
 *
 * Slots are 16 bytes on a 32-bit microcontroller (xsnap, 64-bit, uses 32). Chunks (strings, ArrayBuffer bytes)
 * are not counted by xsnap's meter; docs/device.md adds them up from the firmware's bounded buffers.
 */
import '@endo/init';
import * as path from 'node:path';
import { bundleForXs, deviceTests, fakes, root, startXs } from './device-bundle.js';

const entry = `
import ${JSON.stringify(path.join(fakes, 'globals.ts'))};
import main from ${JSON.stringify(path.join(root, 'firmware/main.ts'))};
import { prepareBench } from ${JSON.stringify(path.join(deviceTests, 'bench.ts'))};
import { RawClient } from ${JSON.stringify(path.join(root, 'test/portable/service/http-api-rig.ts'))};
import { demoFirmware } from ${JSON.stringify(path.join(root, 'src/sim/demo-firmware.ts'))};
import { FLASH_BASE } from ${JSON.stringify(path.join(root, 'src/stm32/chips.ts'))};
import { Bridge } from ${JSON.stringify(path.join(root, 'src/app/bridge.ts'))};
import { SettingsStore } from ${JSON.stringify(path.join(root, 'src/service/settings.ts'))};
import { createApiRouter } from ${JSON.stringify(path.join(root, 'src/service/http-api.ts'))};
import { HttpServer } from ${JSON.stringify(path.join(root, 'src/net/http/server.ts'))};
import { PreferenceStorage } from ${JSON.stringify(path.join(root, 'src/platform/moddable/storage.ts'))};
import { deviceSerialProvider } from ${JSON.stringify(path.join(root, 'src/platform/moddable/serial.ts'))};
import { deviceListen } from ${JSON.stringify(path.join(root, 'src/platform/moddable/tcp.ts'))};
import { deviceTimer } from ${JSON.stringify(path.join(root, 'src/platform/moddable/timer.ts'))};
import { boardProfile } from ${JSON.stringify(path.join(root, 'src/platform/moddable/boards.ts'))};
let bench;
let device;
const keep = [];
/** One component at a time, on the same bench, for the breakdown. */
const part = {};
globalThis.partSteps = {
  settings() { part.settings = new SettingsStore(new PreferenceStorage()); },
  bridge() {
    const board = boardProfile('nodemcu');
    part.bridge = new Bridge({
      uart: deviceSerialProvider(board.uart),
      settings: part.settings,
      listen: deviceListen({ maxConnections: 6 }),
      timer: deviceTimer,
      version: '1',
      budget: board.budget,
    });
  },
  hubOpen() { part.bridge.hub.open(); },
  router() {
    const { hub, control, flashes } = part.bridge;
    part.router = createApiRouter({ hub, control, flashes, settings: part.settings, name: () => 'airboot', version: '1', timer: deviceTimer });
  },
  http() { part.http = new HttpServer({ listen: deviceListen({ maxConnections: 6 }), port: 80, timer: deviceTimer, handler: part.router.handler }); },
};
globalThis.heapSteps = {
  prepare(lean) {
    bench = prepareBench((world) => {
      // The lean variant: only the web UI/API and the raw bridge (RFC 2217 and the control port off).
      if (lean) for (const key of ['rfc2217.port', 'control.port']) world.preferences.set('airboot/' + key, '0');
    });
  },
  async start() { device = main(); await bench.world.clock.advance(100); },
  async clients() {
    for (let i = 0; i < 2; i++) {
      const client = new RawClient(bench.world.network, 1234);
      client.send('hello target\\r\\n');
      keep.push(client);
    }
    const web = new RawClient(bench.world.network, 80);
    web.send('GET /api/status HTTP/1.1\\r\\nHost: airboot\\r\\n\\r\\n');
    keep.push(web);
    await bench.world.clock.advance(500);
  },
  /** The same clients against listeners that only accept and hold the sockets: the test side's own share. */
  async clientsWithoutFirmware() {
    for (const port of [1234, 80]) {
      const listener = bench.world.network.listen({
        port,
        onReadable() {
          for (let socket = listener.accept({}); socket; socket = listener.accept({})) keep.push(socket);
        },
      });
    }
    await heapSteps.clients();
  },
  async flashing() {
    const image = demoFirmware('heap');
    const data = new Uint8Array(16 * 1024);
    data.set(image.read(FLASH_BASE, image.size));
    const upload = new RawClient(bench.world.network, 80);
    upload.send('POST /api/flash?name=app.bin&wait=0 HTTP/1.1\\r\\nHost: airboot\\r\\nContent-Length: ' + data.length + '\\r\\n\\r\\n');
    upload.send(data);
    keep.push(upload);
    for (let i = 0; i < 100000; i++) {
      await bench.world.clock.advance(5);
      const job = device.bridge.flashes.running;
      if (job && job.progress && job.progress.phase === 'write' && job.progress.percent >= 50) {
        issueCommand(new TextEncoder().encode('measured during the write phase at ' + job.progress.percent + '%').buffer);
        return;
      }
    }
    issueCommand(new TextEncoder().encode('no flash job reached the write phase').buffer);
  },
};
`;

const code = await bundleForXs(entry, 'device-heap-entry.js');
const STEPS = [
  ['start', 'started: bridge, services, WiFi access point, captive DNS, mDNS'],
  ['clients', '+ 2 raw bridge clients and 1 HTTP keep-alive connection'],
  ['flashing', '+ a 16 KiB .bin upload being flashed (write phase, half done)'],
] as const;

async function measure(lean: boolean): Promise<Array<[string, number]>> {
  const worker = await startXs('airboot-device-heap', (message) =>
    console.log(`  (${new TextDecoder().decode(message)})`),
  );
  const slots = async () => {
    const { meterUsage } = await worker.evaluate('gc()');
    return meterUsage.currentHeapCount ?? Number.NaN;
  };
  const rows: Array<[string, number]> = [];
  try {
    await worker.evaluate(code);
    await worker.evaluate(`heapSteps.prepare(${lean})`);
    const base = await slots();
    for (const [step, label] of STEPS) {
      await worker.evaluate(`heapSteps.${step}()`);
      rows.push([label, (await slots()) - base]);
    }
  } finally {
    await worker.close();
  }
  return rows;
}

async function testSideOfClients(): Promise<number> {
  const worker = await startXs('airboot-device-heap', () => {});
  try {
    await worker.evaluate(code);
    await worker.evaluate('heapSteps.prepare(false)');
    const before = (await worker.evaluate('gc()')).meterUsage.currentHeapCount ?? Number.NaN;
    await worker.evaluate('heapSteps.clientsWithoutFirmware()');
    return ((await worker.evaluate('gc()')).meterUsage.currentHeapCount ?? Number.NaN) - before;
  } finally {
    await worker.close();
  }
}

console.log(
  'live slots the firmware created (after gc), and their bytes at 16 bytes a slot on ESP8266/ESP32:',
);
for (const lean of [false, true]) {
  console.log(lean ? 'HTTP + raw bridge only (rfc2217.port = control.port = 0):' : 'every service:');
  for (const [label, count] of await measure(lean)) {
    console.log(`  ${String(count).padStart(6)} slots ${String(count * 16).padStart(7)} B  ${label}`);
  }
}
async function breakdown(): Promise<Array<[string, number]>> {
  const worker = await startXs('airboot-device-heap', () => {});
  const rows: Array<[string, number]> = [];
  try {
    await worker.evaluate(code);
    await worker.evaluate('heapSteps.prepare(false)');
    let last = (await worker.evaluate('gc()')).meterUsage.currentHeapCount ?? Number.NaN;
    for (const step of ['settings', 'bridge', 'hubOpen', 'router', 'http']) {
      await worker.evaluate(`partSteps.${step}()`);
      const now = (await worker.evaluate('gc()')).meterUsage.currentHeapCount ?? Number.NaN;
      rows.push([step, now - last]);
      last = now;
    }
  } finally {
    await worker.close();
  }
  return rows;
}

console.log(
  'one component at a time (SettingsStore, Bridge constructor, UartHub.open, API router, HttpServer):',
);
for (const [step, count] of await breakdown()) console.log(`  ${String(count).padStart(6)} slots  ${step}`);
const testSide = await testSideOfClients();
console.log(
  `the same 3 clients against bare listeners (test clients + in-memory network, not firmware): ${testSide} slots`,
);
