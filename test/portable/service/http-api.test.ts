import { isApiPath } from '../../../src/service/http-api.js';
import { deepEqual, equal, match, ok } from '../assert.js';
import { test } from '../harness.js';
import { apiRig, VERSION } from './http-api-rig.js';

test('HTTP API: GET /api/status describes the service, the target, the UART and no flash yet', async () => {
  const r = apiRig();
  const answer = await r.call('GET', '/api/status');
  equal(answer.status, 200);
  equal(answer.headers.get('content-type'), 'application/json');
  deepEqual(JSON.parse(answer.bodyText), {
    version: VERSION,
    name: 'airboot',
    runtime: { platform: 'node', wifi: false },
    target: { state: 'running', chip: null, bootloaderVersion: null },
    uart: { baud: 115200, format: '8N1' },
    clients: [],
    flash: { running: null, last: null },
    auth: { required: false, loggedIn: false },
  });
});

test('HTTP API: GET /api/settings shows every setting and hides the secrets', async () => {
  const r = apiRig();
  const answer = await r.call('GET', '/api/settings');
  equal(answer.status, 200);
  const { settings } = JSON.parse(answer.bodyText);
  equal(settings['uart.baud'], 115200);
  equal(settings['bridge.port'], 1234);
  deepEqual(settings['ap.password'], { set: true });
  deepEqual(settings['wifi.password'], { set: false });
  ok(answer.bodyText.indexOf('lestofante') < 0, 'the access point password never leaves the service');
});

test('HTTP API: PUT /api/settings saves a valid change, refuses bad fields one by one, never echoes a secret', async () => {
  const r = apiRig();
  const saved = await r.call(
    'PUT',
    '/api/settings',
    JSON.stringify({ 'uart.baud': 57600, 'device.name': 'bench-1', 'wifi.password': 'hunter22' }),
    ['Content-Type: application/json'],
  );
  equal(saved.status, 200, saved.bodyText);
  const body = JSON.parse(saved.bodyText);
  equal(body.settings['uart.baud'], 57600);
  deepEqual(body.settings['wifi.password'], { set: true });
  ok(saved.bodyText.indexOf('hunter22') < 0);
  equal(r.settings.settings['wifi.password'], 'hunter22');
  equal(r.settings.settings['uart.baud'], 57600);
  // The new name is what the status reports.
  equal(JSON.parse((await r.call('GET', '/api/status')).bodyText).name, 'bench-1');

  const refused = await r.call(
    'PUT',
    '/api/settings',
    JSON.stringify({ 'uart.baud': 12, 'bridge.port': 'x', 'no.such': 1 }),
  );
  equal(refused.status, 400);
  const error = JSON.parse(refused.bodyText);
  equal(error.error, 'INVALID_SETTINGS');
  deepEqual(
    error.errors.map((e: { field: string }) => e.field),
    ['uart.baud', 'bridge.port', 'no.such'],
  );
  match(error.message, /uart\.baud: must be a whole baud rate/);
  equal(r.settings.settings['uart.baud'], 57600, 'nothing of a refused update is saved');

  const notJson = await r.call('PUT', '/api/settings', '{"uart.baud": ');
  equal(notJson.status, 400);
  equal(JSON.parse(notJson.bodyText).error, 'BAD_REQUEST');
});

test('HTTP API: onSettingsChanged hears a saved change', async () => {
  const heard: number[] = [];
  const r = apiRig({ api: { onSettingsChanged: (settings) => heard.push(settings['uart.baud']) } });
  equal((await r.call('PUT', '/api/settings', '{"uart.baud": 9600}')).status, 200);
  equal((await r.call('PUT', '/api/settings', '{"uart.baud": 7}')).status, 400);
  deepEqual(heard, [9600]);
});

test('HTTP API: POST /api/target/boot, run and reset drive BOOT0/NRST and the UART format', async () => {
  const r = apiRig();
  await r.clock.advance(50);
  equal(r.chip.mode, 'app');
  const boot = await r.call('POST', '/api/target/boot');
  equal(boot.status, 200, boot.bodyText);
  const booted = JSON.parse(boot.bodyText);
  equal(booted.ok, true);
  match(booted.message, /bootloader, UART 115200 8E1/);
  equal(r.chip.mode, 'bootloader');
  const status = JSON.parse((await r.call('GET', '/api/status')).bodyText);
  equal(status.target.state, 'bootloader');
  deepEqual(status.uart, { baud: 115200, format: '8E1' });

  const run = await r.call('POST', '/api/target/run');
  equal(run.status, 200);
  match(JSON.parse(run.bodyText).message, /application running, UART 115200 8N1/);
  equal(r.chip.mode, 'app');

  const reset = await r.call('POST', '/api/target/reset');
  equal(reset.status, 200);
  match(JSON.parse(reset.bodyText).message, /target reset \(running\)/);
  equal(r.chip.mode, 'app');
});

test('HTTP API: unknown paths are 404 and a wrong method is 405, both as JSON', async () => {
  const r = apiRig();
  const missing = await r.call('GET', '/api/nothing');
  equal(missing.status, 404);
  equal(JSON.parse(missing.bodyText).error, 'NOT_FOUND');
  const wrong = await r.call('GET', '/api/target/reset');
  equal(wrong.status, 405);
  equal(wrong.headers.get('allow'), 'POST');
  const noJob = await r.call('GET', '/api/flash/42');
  equal(noJob.status, 404);
  const notAnId = await r.call('GET', '/api/flash/abc');
  equal(notAnId.status, 404);
});

test('HTTP API: isApiPath tells API requests from static files', () => {
  equal(isApiPath('/api/status'), true);
  equal(isApiPath('/api'), true);
  equal(isApiPath('/ws/serial'), true);
  equal(isApiPath('/'), false);
  equal(isApiPath('/index.html'), false);
  equal(isApiPath('/apix'), false);
});
