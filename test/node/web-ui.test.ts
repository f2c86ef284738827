/**
 * The web page in a real browser (Debian's chromium driven by playwright-core) against the real service parts:
 * the portable Bridge (UART hub, target control, flash jobs) over a simulated STM32F103C8 running its demo
 * application, the HTTP API router and serveStatic in front of it, on Node's sockets and timer. The page talks to
 * the real API, event stream and WebSocket terminal. Screenshots at desktop and phone widths go to
 * /tmp/airboot-web-*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { Bridge } from '../../src/app/bridge.js';
import { UART_8N1 } from '../../src/io/contracts.js';
import { SerialLink } from '../../src/io/serial-link.js';
import { HttpServer } from '../../src/net/http/server.js';
import type { NodeListener } from '../../src/platform/node/tcp.js';
import { nodeListener } from '../../src/platform/node/tcp.js';
import { nodeTimer } from '../../src/platform/node/timer.js';
import { DirectoryAssetStore } from '../../src/platform/node/web-assets.js';
import { createApiRouter } from '../../src/service/http-api.js';
import { MemoryStorage, SettingsStore } from '../../src/service/settings.js';
import { withStaticAssets } from '../../src/service/static-assets.js';
import { demoFirmware } from '../../src/sim/demo-firmware.js';
import { hostOutput, SimulatedStm32 } from '../../src/sim/stm32-sim.js';
import { buildWeb } from '../../tools/build-web.js';
import { ROOT } from './support/cli.js';

const CHROMIUM = '/usr/bin/chromium';
// In CI a missing chromium is a broken image, not a reason to skip.
const skip = !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `${CHROMIUM} is not installed` : false;

const HEX = path.join(ROOT, 'examples/demo-v2.hex');

let chip: SimulatedStm32 | undefined;
let bridge: Bridge | undefined;
let server: HttpServer | undefined;
let settings: SettingsStore;
let browser: Browser | undefined;
let base = '';

/** What `airboot demo` runs, with the web UI mounted as the app will mount it: static files, then the API. */
async function startService(): Promise<void> {
  const link = new SerialLink(nodeTimer, { timing: true });
  chip = new SimulatedStm32({
    model: 'F103C8',
    timer: nodeTimer,
    serial: link.b,
    timing: true,
    start: 'pins',
    autobaud: () => link.settings('a')?.baud,
    appSettings: UART_8N1,
  });
  const firmware = demoFirmware('airboot demo firmware v1');
  chip.flash.load(firmware.start, firmware.read(firmware.start, firmware.size));
  settings = new SettingsStore(new MemoryStorage());
  bridge = new Bridge({
    uart: link.a,
    boot0: hostOutput(chip.boot0),
    nrst: hostOutput(chip.nrst),
    settings,
    listen: nodeListener,
    timer: nodeTimer,
    version: 'test',
    ports: { bridge: 0, control: 0, rfc2217: 0, http: 0 },
    bootloaderStartMs: chip.chip.timing.bootloaderStartMs + 20,
  });
  bridge.start();
  chip.powerOn();
  const api = createApiRouter({
    hub: bridge.hub,
    control: bridge.control,
    flashes: bridge.flashes,
    settings,
    name: () => settings.settings['device.name'],
    version: 'test',
    timer: nodeTimer,
  });
  server = new HttpServer({
    listen: nodeListener,
    port: 0,
    host: '127.0.0.1',
    timer: nodeTimer,
    handler: withStaticAssets(new DirectoryAssetStore(), api.handler),
  });
  await (server.listener as NodeListener).listening;
  base = `http://127.0.0.1:${server.port}`;
}

before(async () => {
  if (skip) return;
  // The service serves dist/web; a `tsc`-only build has not made it.
  if (!new DirectoryAssetStore().built) await buildWeb();
  await startService();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  bridge?.close();
  chip?.close();
});

async function open(width: number, height: number): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width, height } });
  page.setDefaultTimeout(20_000);
  await page.goto(`${base}/`);
  return page;
}

/** `examples/demo-v2.hex` with the checksum of its 12th line broken. */
function hexWithBadLine12(): Buffer {
  const lines = readFileSync(HEX, 'latin1').split(/\r?\n/);
  const line = lines[11]!;
  const checksum = Number.parseInt(line.slice(-2), 16);
  lines[11] = line.slice(0, -2) + ((checksum + 1) & 0xff).toString(16).toUpperCase().padStart(2, '0');
  return Buffer.from(lines.join('\n'), 'latin1');
}

test('web UI: status, terminal echo, a flash with progress, a bad file, settings errors', {
  skip,
  timeout: 120_000,
}, async () => {
  const page = await open(1280, 900);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  // Status: fetched from /api/status and refreshed.
  await page.locator('#link-state', { hasText: 'online' }).waitFor();
  await page.locator('#target-state', { hasText: 'running' }).waitFor();
  assert.match((await page.locator('#uart').textContent()) ?? '', /115200 baud 8N1/);

  // Terminal: a line typed goes to the UART with CRLF; the demo application echoes it.
  await page.locator('#terminal-state', { hasText: /^connected$/ }).waitFor();
  await page.locator('#terminal-line').fill('hello from the browser');
  await page.locator('#terminal-line').press('Enter');
  await page.locator('#terminal-output', { hasText: 'echo: hello from the browser' }).waitFor();
  assert.equal(await page.locator('#terminal-line').inputValue(), '', 'the input clears after sending');

  // Flash: record every phase the progress line shows, then upload through the file input.
  // (Browser-side code as strings: this file is type-checked without the DOM library.)
  await page.evaluate(`(() => {
    const seen = (window.phases = []);
    const phase = document.getElementById('flash-phase');
    new MutationObserver(() => {
      if (seen[seen.length - 1] !== phase.textContent) seen.push(phase.textContent);
    }).observe(phase, { childList: true, characterData: true, subtree: true });
  })()`);
  await page.locator('#flash-file').setInputFiles(HEX);
  assert.match((await page.locator('#drop-text').textContent()) ?? '', /demo-v2\.hex/);
  await page.locator('#flash-start').click();
  const result = page.locator('#flash-message.ok');
  await result.waitFor({ timeout: 60_000 });
  assert.match((await result.textContent()) ?? '', /ok: 8\.0 KiB to STM32F10x medium density, verified by/);
  assert.equal(await page.locator('#flash-bar').getAttribute('value'), '100');
  const phases = (await page.evaluate('window.phases')) as string[];
  assert.ok(phases.includes('upload'), `phases shown: ${phases.join(', ')}`);
  assert.ok(
    phases.some((phase) => /write/i.test(phase)),
    `the write phase was shown from the event stream: ${phases.join(', ')}`,
  );
  // Serial clients were told, in the terminal's notice style; the application's banner follows its restart.
  assert.ok((await page.locator('#terminal-output .notice').count()) >= 2, 'flash started/finished notices');
  await page.locator('#terminal-output', { hasText: /demo app on .* flash CRC 0x[0-9A-F]{8}/ }).waitFor();
  // The status now knows the chip.
  await page.locator('#chip', { hasText: 'STM32F10x medium density (PID 0x410' }).waitFor();
  await page.locator('#last-flash.ok', { hasText: 'demo-v2.hex' }).waitFor();

  await page.screenshot({ path: '/tmp/airboot-web-flashed.png' });

  // A broken file: refused before the target is touched, the message names the line.
  await page.locator('#flash-file').setInputFiles({
    name: 'broken.hex',
    mimeType: 'application/octet-stream',
    buffer: hexWithBadLine12(),
  });
  await page.locator('#flash-start').click();
  const refusal = page.locator('#flash-message.error');
  await refusal.waitFor();
  assert.match((await refusal.textContent()) ?? '', /^line 12: .*checksum/i);

  // Settings: a bad value gets its message next to its field; nothing is saved; a good value is.
  const baud = page.locator('[name="uart.baud"]');
  await baud.fill('12');
  await page.locator('#settings-form button[type="submit"]').click();
  const fieldError = page.locator('#setting-uart-baud-error');
  await fieldError.waitFor();
  assert.match((await fieldError.textContent()) ?? '', /baud/);
  assert.equal(await baud.getAttribute('aria-invalid'), 'true');
  assert.match((await page.locator('#settings-message').textContent()) ?? '', /not saved/);
  await page.locator('#settings').screenshot({ path: '/tmp/airboot-web-settings-error.png' });
  await baud.fill('115200');
  await page.locator('[name="flash.keepResults"]').fill('5');
  await page.locator('#settings-form button[type="submit"]').click();
  await page.locator('#settings-message.ok', { hasText: 'flash.keepResults' }).waitFor();
  const saved = (await (await fetch(`${base}/api/settings`)).json()) as { settings: Record<string, unknown> };
  assert.equal(saved.settings['flash.keepResults'], 5);
  assert.equal(saved.settings['uart.baud'], 115200);

  // Target buttons: into the bootloader (held there) and back to the application.
  await page.locator('[data-target-action="boot"]').click();
  await page.locator('#target-state', { hasText: 'bootloader' }).waitFor();
  await page.locator('#target-message.ok').waitFor();
  await page.locator('[data-target-action="run"]').click();
  await page.locator('#target-state', { hasText: 'running' }).waitFor();

  await page.screenshot({ path: '/tmp/airboot-web-desktop.png', fullPage: true });
  const phone = await open(390, 844);
  await phone.locator('#target-state', { hasText: 'running' }).waitFor();
  await phone.locator('#settings-fields fieldset').first().waitFor();
  // Nothing wider than the screen but the scrollable clients table and terminal.
  const overflow = (await phone.evaluate(
    'document.documentElement.scrollWidth - window.innerWidth',
  )) as number;
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a phone`);
  await phone.screenshot({ path: '/tmp/airboot-web-phone.png', fullPage: true });
  assert.deepEqual(errors, [], 'no script errors on the page');
});
