/**
 * The admin password on a running `airboot demo`, from the outside: curl against the HTTP API (401, Basic, bearer
 * tokens, CSRF 403, 429 with Retry-After), the WebSocket upgrade, the control port's `login`, the RFC 2217 login
 * line, the remote CLI's --password and AIRBOOT_PASSWORD, and the settings file holding only salt and hash.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { pbkdf2Sha256 } from '../../src/net/encoding/pbkdf2.js';
import { airboot } from './support/cli.js';
import { freePorts, type RunningService, startService, TextClient } from './support/service.js';
import { skipUnless } from './support/tools.js';

const PASSWORD = 'correct horse 42';
let service: RunningService;
let dir: string;
let configFile: string;
let base: string;

/** curl with `args`; the status code and the body. */
function curl(args: readonly string[]): { status: number; body: string; headers: string } {
  const run = spawnSync('curl', ['-s', '-D', '-', '--max-time', '20', ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, `curl ${args.join(' ')} failed: ${run.stderr}`);
  const split = run.stdout.indexOf('\r\n\r\n');
  const headers = run.stdout.slice(0, split);
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]),
    body: run.stdout.slice(split + 4),
    headers,
  };
}

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'airboot-auth-'));
  configFile = path.join(dir, 'settings.json');
  // RFC 2217 asks for the password line (read at start); the raw bridge stays open, as the seed.
  writeFileSync(configFile, JSON.stringify({ 'rfc2217.login': 'true' }));
  const ports = await freePorts(4);
  service = await startService('demo', [
    '--config',
    configFile,
    '--http-port',
    String(ports[0]),
    '--bridge-port',
    String(ports[1]),
    '--control-port',
    String(ports[2]),
    '--rfc2217-port',
    String(ports[3]),
  ]);
  base = `http://127.0.0.1:${service.ports.http}`;
  // No password yet: setting one needs nothing (the demo runs without a password).
  const set = curl([
    '-X',
    'PUT',
    '-H',
    'Content-Type: application/json',
    '-d',
    JSON.stringify({ 'admin.password': PASSWORD }),
    `${base}/api/settings`,
  ]);
  assert.equal(set.status, 200, set.body);
  assert.deepEqual(
    json(set.body).settings && (json(set.body).settings as Record<string, unknown>)['admin.password'],
    {
      set: true,
    },
  );
});

after(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('PBKDF2-HMAC-SHA256: RFC 7914 §11 second vector (c = 80000) on Node', () => {
  const key = pbkdf2Sha256(Buffer.from('Password'), Buffer.from('NaCl'), 80000, 64);
  assert.equal(
    Buffer.from(key).toString('hex'),
    '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56' +
      'a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
  );
});

test('the settings file holds salt and hash only; GET /api/settings holds neither', () => {
  const stored = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, string>;
  assert.ok(!JSON.stringify(stored).includes(PASSWORD), 'the password is not in the file');
  assert.equal(stored['admin.password'], undefined);
  assert.match(stored['admin.salt']!, /^pbkdf2-sha256:\d+:[A-Za-z0-9+/]{22}==$/);
  assert.match(stored['admin.hash']!, /^[A-Za-z0-9+/]{43}=$/);
  const answer = curl([`${base}/api/settings`]);
  assert.equal(answer.status, 200);
  assert.ok(!answer.body.includes(PASSWORD));
  assert.ok(!answer.body.includes(stored['admin.hash']!));
  assert.ok(!answer.body.includes(stored['admin.salt']!.split(':')[2]!));
  assert.deepEqual((json(answer.body).settings as Record<string, unknown>)['admin.password'], { set: true });
});

test('401 AUTH_REQUIRED without credentials, on every state-changing route; GET stays open', () => {
  for (const [method, route] of [
    ['POST', '/api/target/reset'],
    ['POST', '/api/target/boot'],
    ['POST', '/api/target/run'],
    ['PUT', '/api/settings'],
    ['POST', '/api/flash'],
  ] as const) {
    const answer = curl([
      '-X',
      method,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{}',
      `${base}${route}`,
    ]);
    assert.equal(answer.status, 401, `${method} ${route}: ${answer.body}`);
    assert.equal(json(answer.body).error, 'AUTH_REQUIRED');
    assert.doesNotMatch(answer.headers, /WWW-Authenticate/i, 'no browser credential prompt');
  }
  const status = curl([`${base}/api/status`]);
  assert.equal(status.status, 200);
  assert.deepEqual(json(status.body).auth, { required: true, loggedIn: false });
});

test('200 with Basic (curl -u) and with a bearer token from POST /api/login; logout ends the token', () => {
  const basic = curl(['-u', `admin:${PASSWORD}`, '-X', 'POST', `${base}/api/target/reset`]);
  assert.equal(basic.status, 200, basic.body);
  const login = curl([
    '-X',
    'POST',
    '-H',
    'Content-Type: application/json',
    '-d',
    JSON.stringify({ password: PASSWORD }),
    `${base}/api/login`,
  ]);
  assert.equal(login.status, 200, login.body);
  const { token, expiresInMs } = json(login.body) as { token: string; expiresInMs: number };
  assert.match(token, /^[0-9a-f]{32}$/);
  assert.ok(expiresInMs > 0);
  const bearer = ['-H', `Authorization: Bearer ${token}`];
  assert.equal(curl([...bearer, '-X', 'POST', `${base}/api/target/reset`]).status, 200);
  assert.deepEqual(json(curl([...bearer, `${base}/api/status`]).body).auth, {
    required: true,
    loggedIn: true,
  });
  assert.equal(curl([...bearer, '-X', 'POST', `${base}/api/logout`]).status, 200);
  assert.equal(curl([...bearer, '-X', 'POST', `${base}/api/target/reset`]).status, 401);
});

test('403 CROSS_ORIGIN for a POST from another origin, even with good credentials; same origin passes', () => {
  const cross = curl([
    '-u',
    `admin:${PASSWORD}`,
    '-H',
    'Origin: http://evil.example',
    '-X',
    'POST',
    `${base}/api/target/reset`,
  ]);
  assert.equal(cross.status, 403, cross.body);
  assert.equal(json(cross.body).error, 'CROSS_ORIGIN');
  const same = curl([
    '-u',
    `admin:${PASSWORD}`,
    '-H',
    `Origin: ${base}`,
    '-X',
    'POST',
    `${base}/api/target/reset`,
  ]);
  assert.equal(same.status, 200, same.body);
  // The login itself is CSRF-checked too.
  const login = curl([
    '-H',
    'Origin: http://evil.example',
    '-X',
    'POST',
    '-d',
    JSON.stringify({ password: PASSWORD }),
    `${base}/api/login`,
  ]);
  assert.equal(login.status, 403);
});

/** Send a WebSocket upgrade for `target` with extra header lines; the status line that comes back. */
async function upgrade(target: string, extra = ''): Promise<string> {
  const socket = net.connect(service.ports.http!, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${service.ports.http}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
  for (let i = 0; i < 250 && !text.includes('\r\n'); i++) await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
  return text.slice(0, text.indexOf('\r\n'));
}

test('WebSocket terminal: 401 without a token, 403 from another origin, 101 with ?token=', async () => {
  const login = curl(['-X', 'POST', '-d', JSON.stringify({ password: PASSWORD }), `${base}/api/login`]);
  const { token } = json(login.body) as { token: string };
  assert.match(await upgrade('/ws/serial'), / 401 /);
  assert.match(await upgrade(`/ws/serial?token=${token}`, 'Origin: http://evil.example\r\n'), / 403 /);
  assert.match(await upgrade(`/ws/serial?token=${token}`, `Origin: ${base}\r\n`), / 101 /);
  assert.match(await upgrade('/ws/serial?token=0123456789abcdef0123456789abcdef'), / 401 /);
  // The CLI's monitor sends Basic credentials on the upgrade instead (the ws package can set headers).
  const basic = `Authorization: Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}\r\n`;
  assert.match(await upgrade('/ws/serial', basic), / 101 /);
});

test('control port: changes need `login`; reading does not', async () => {
  const client = await TextClient.connect(service.ports.control!);
  try {
    client.send('reset\r\n');
    await client.waitFor(/ERR log in first: login PASSWORD/);
    client.send('status\r\n');
    await client.waitFor(/OK state=/);
    client.send(`login ${PASSWORD}\r\n`);
    await client.waitFor(/OK logged in\r\n/);
    client.send('reset\r\n');
    await client.waitFor(/OK target reset/);
  } finally {
    client.close();
  }
});

test('RFC 2217 with rfc2217.login: a wrong line is refused; the password line opens the Telnet session', async () => {
  const wrong = await TextClient.connect(service.ports.rfc2217!);
  wrong.send('guess\r\n');
  await wrong.waitFor(/ERR wrong password\r\n/);
  wrong.close();
  const good = await TextClient.connect(service.ports.rfc2217!);
  try {
    good.send(`${PASSWORD}\r\n`);
    // The server opens its negotiation (IAC WILL/DO …, RFC 854): the session started, and nothing else came first.
    await good.waitFor(/^\xff[\xfb\xfd]/);
  } finally {
    good.close();
  }
});

test('RFC 2217 login through socat, then pyserial: the README recipe', {
  skip: skipUnless('socat', 'nc', 'python3'),
}, async () => {
  const [proxyPort] = await freePorts(1);
  const { spawn } = await import('node:child_process');
  const proxy = spawn(
    'socat',
    [
      `TCP-LISTEN:${proxyPort},bind=127.0.0.1,reuseaddr,fork`,
      `SYSTEM:{ printf "%s\\r\\n" "$AIRBOOT_PASSWORD"; exec cat; } | nc 127.0.0.1 ${service.ports.rfc2217}`,
    ],
    { stdio: 'ignore', env: { ...process.env, AIRBOOT_PASSWORD: PASSWORD }, shell: false },
  );
  try {
    await new Promise((r) => setTimeout(r, 300));
    // DTR/RTS de-asserted before opening: asserted (pyserial's default) would hold the chip in reset (stm32loader
    // wiring: DTR → NRST).
    const script = [
      'import serial',
      `s = serial.serial_for_url("rfc2217://127.0.0.1:${proxyPort}", baudrate=115200, timeout=3, do_not_open=True)`,
      's.dtr = False',
      's.rts = False',
      's.open()',
      's.write(b"hello rfc2217\\r\\n")',
      'print(s.read_until(b"hello rfc2217\\r\\n").decode("latin1"))',
      's.close()',
    ].join('\n');
    const run = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /echo: hello rfc2217/);
  } finally {
    proxy.kill();
  }
});

test('remote CLI: refused without the password (with a hint), works with --password and AIRBOOT_PASSWORD', async () => {
  const host = `127.0.0.1:${service.ports.http}`;
  const without = await airboot(['reset', '--host', host]);
  assert.notEqual(without.code, 0);
  assert.match(without.stderr, /401/);
  assert.match(without.stderr, /--password or the AIRBOOT_PASSWORD/);
  const flag = await airboot(['reset', '--host', host, '--password', PASSWORD]);
  assert.equal(flag.code, 0, flag.stderr);
  process.env.AIRBOOT_PASSWORD = PASSWORD;
  try {
    const env = await airboot(['config', 'set', 'uart.baud=57600', '--host', host]);
    assert.equal(env.code, 0, env.stderr);
    const get = await airboot(['config', 'get', 'admin.password', '--host', host, '--json']);
    assert.deepEqual(JSON.parse(get.stdout), { 'admin.password': { set: true } });
  } finally {
    delete process.env.AIRBOOT_PASSWORD;
  }
});

// Last: it holds 127.0.0.1 back for a while.
test('429 TOO_MANY_ATTEMPTS with Retry-After after repeated wrong passwords; the control port shares it', async () => {
  let answer = curl(['-u', 'admin:wrong', '-X', 'POST', `${base}/api/target/reset`]);
  for (let i = 0; i < 5 && answer.status === 401; i++) {
    answer = curl(['-u', 'admin:wrong', '-X', 'POST', `${base}/api/target/reset`]);
  }
  assert.equal(answer.status, 429, answer.body);
  assert.equal(json(answer.body).error, 'TOO_MANY_ATTEMPTS');
  assert.match(answer.headers, /Retry-After: \d+/i);
  // Even the right password waits now, over HTTP and on the control port.
  const login = curl(['-X', 'POST', '-d', JSON.stringify({ password: 'wrong again' }), `${base}/api/login`]);
  assert.equal(login.status, 429);
  assert.ok(Number(json(login.body).retryAfterMs) > 0);
  const client = await TextClient.connect(service.ports.control!);
  try {
    client.send(`login ${PASSWORD}\r\n`);
    await client.waitFor(/ERR too many wrong passwords; try again in \d+ s/);
  } finally {
    client.close();
  }
});
