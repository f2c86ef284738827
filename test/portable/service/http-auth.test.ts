import type { Timer } from '../../../src/io/contracts.js';
import { encodeBase64 } from '../../../src/net/encoding/base64.js';
import { encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { AuthGuard } from '../../../src/service/auth-guard.js';
import { PasswordStore } from '../../../src/service/password-store.js';
import { MemoryStorage } from '../../../src/service/settings.js';
import { deepEqual, equal, match, ok } from '../assert.js';
import { test } from '../harness.js';
import { apiRig } from './http-api-rig.js';

/** The API rig (Host: airboot.test) with an AuthGuard whose password is `password` ('' = none). */
function authRig(password: string) {
  let next = 1;
  const random = (into: Uint8Array) => {
    for (let i = 0; i < into.length; i++) into[i] = next++ & 0xff;
  };
  const store = new PasswordStore(new MemoryStorage(), { iterations: 4, random });
  if (password) store.set(password);
  // The rig makes its clock; the guard is made before it and reads the time through this late-bound timer.
  let clock: Timer | undefined;
  const timer: Timer = {
    set: (callback, ms) => clock!.set(callback, ms),
    clear: (handle) => clock!.clear(handle),
    now: () => clock!.now(),
  };
  const auth = new AuthGuard({ password: store, timer, random });
  const r = apiRig({ api: { auth } });
  clock = r.clock;
  return { ...r, auth, store };
}

const basic = (password: string) => `Authorization: Basic ${encodeBase64(encodeUtf8(`admin:${password}`))}`;
const JSON_TYPE = 'Content-Type: application/json';

test('HTTP auth: without a password every route is open, but a cross-origin POST is refused', async () => {
  const r = authRig('');
  equal((await r.call('POST', '/api/target/reset')).status, 200);
  const cross = await r.call('POST', '/api/target/reset', undefined, ['Origin: http://evil.example']);
  equal(cross.status, 403);
  equal(JSON.parse(cross.bodyText).error, 'CROSS_ORIGIN');
  equal((await r.call('POST', '/api/target/reset', undefined, ['Origin: http://airboot.test'])).status, 200);
  equal(
    (await r.call('POST', '/api/target/reset', undefined, ['Origin: http://airboot.test:80'])).status,
    200,
  );
  equal((await r.call('POST', '/api/target/reset', undefined, ['Origin: null'])).status, 403);
  equal((await r.call('PUT', '/api/settings', '{}', [JSON_TYPE, 'Origin: https://x.test'])).status, 403);
  const status = JSON.parse((await r.call('GET', '/api/status')).bodyText);
  deepEqual(status.auth, { required: false, loggedIn: false });
  equal((await r.call('POST', '/api/login', '{"password":"x"}', [JSON_TYPE])).status, 409);
});

test('HTTP auth: with a password, 401 without credentials; Basic and a bearer token pass; logout ends it', async () => {
  const r = authRig('pw 1');
  for (const [method, path] of [
    ['POST', '/api/target/reset'],
    ['POST', '/api/target/boot'],
    ['POST', '/api/target/run'],
    ['PUT', '/api/settings'],
    ['POST', '/api/flash'],
  ] as const) {
    const answer = await r.call(method, path, '{}', [JSON_TYPE]);
    equal(answer.status, 401, `${method} ${path}`);
    equal(JSON.parse(answer.bodyText).error, 'AUTH_REQUIRED');
    ok(!answer.headers.has('www-authenticate'), 'no WWW-Authenticate: a browser must not cache credentials');
  }
  equal((await r.call('GET', '/api/settings')).status, 200, 'reading stays open');
  equal((await r.call('POST', '/api/target/reset', undefined, [basic('pw 1')])).status, 200);
  equal((await r.call('POST', '/api/target/reset', undefined, ['Authorization: Basic !!!'])).status, 401);
  const wrongLogin = await r.call('POST', '/api/login', '{"password":"nope"}', [JSON_TYPE]);
  equal(wrongLogin.status, 401);
  equal(JSON.parse(wrongLogin.bodyText).error, 'BAD_PASSWORD');
  equal((await r.call('POST', '/api/login', '{"pass":"x"}', [JSON_TYPE])).status, 400);
  const login = await r.call('POST', '/api/login', '{"password":"pw 1"}', [JSON_TYPE]);
  equal(login.status, 200);
  const { token, expiresInMs } = JSON.parse(login.bodyText);
  equal(expiresInMs, 12 * 3600_000);
  const bearer = `Authorization: Bearer ${token}`;
  equal((await r.call('POST', '/api/target/reset', undefined, [bearer])).status, 200);
  deepEqual(JSON.parse((await r.call('GET', '/api/status', undefined, [bearer])).bodyText).auth, {
    required: true,
    loggedIn: true,
  });
  // A cross-origin request is refused even with good credentials.
  equal(
    (await r.call('POST', '/api/target/reset', undefined, [bearer, 'Origin: http://evil.example'])).status,
    403,
  );
  equal((await r.call('POST', '/api/logout', undefined, [bearer])).status, 200);
  equal((await r.call('POST', '/api/target/reset', undefined, [bearer])).status, 401);
});

test('HTTP auth: the terminal upgrade needs ?token=; a bad one or another origin is refused first', async () => {
  const r = authRig('pw');
  const upgrade = [
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
  ];
  const login = JSON.parse((await r.call('POST', '/api/login', '{"password":"pw"}', [JSON_TYPE])).bodyText);
  equal((await r.call('GET', '/ws/serial', undefined, upgrade)).status, 401);
  equal((await r.call('GET', '/ws/serial?token=00', undefined, upgrade)).status, 401);
  equal(
    (
      await r.call('GET', `/ws/serial?token=${login.token}`, undefined, [
        ...upgrade,
        'Origin: http://evil.example',
      ])
    ).status,
    403,
  );
  // A token in the query is only for upgrades.
  equal((await r.call('POST', `/api/target/reset?token=${login.token}`)).status, 401);
});

test('HTTP auth: 429 with Retry-After once the back-off holds the address, for Basic and login alike', async () => {
  const r = authRig('pw');
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    statuses.push((await r.call('POST', '/api/target/reset', undefined, [basic('wrong')])).status);
  }
  deepEqual(statuses, [401, 401, 401, 429]);
  const held = await r.call('POST', '/api/login', '{"password":"pw"}', [JSON_TYPE]);
  equal(held.status, 429);
  equal(JSON.parse(held.bodyText).error, 'TOO_MANY_ATTEMPTS');
  match(held.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  await r.clock.advance(2000);
  equal((await r.call('POST', '/api/login', '{"password":"pw"}', [JSON_TYPE])).status, 200);
});
