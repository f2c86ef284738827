import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { AuthGuard, FREE_FAILURES } from '../../../src/service/auth-guard.js';
import {
  PASSWORD_HASH_KEY,
  PASSWORD_ITERATIONS,
  PASSWORD_SALT_KEY,
  PasswordStore,
  type RandomFill,
} from '../../../src/service/password-store.js';
import {
  MemoryStorage,
  PASSWORD_IS_SET,
  publicSettings,
  SettingsStore,
} from '../../../src/service/settings.js';
import { deepEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';

/** A deterministic stand-in for the device's RNG: different bytes on every call. */
function countingRandom(): RandomFill {
  let next = 1;
  return (into) => {
    for (let i = 0; i < into.length; i++) into[i] = next++ & 0xff;
  };
}

const FEW = { iterations: 8 };

test('password store: stored as salt and hash under two keys of ≤ 63 bytes, never in clear', async () => {
  const storage = new MemoryStorage();
  const store = new PasswordStore(storage, { ...FEW, random: countingRandom() });
  equal(store.isSet, false);
  store.set('correct horse');
  ok(store.isSet);
  const salt = storage.read(PASSWORD_SALT_KEY)!;
  const hash = storage.read(PASSWORD_HASH_KEY)!;
  ok(/^pbkdf2-sha256:8:[A-Za-z0-9+/=]{24}$/.test(salt), salt);
  equal(hash.length, 44);
  ok(salt.length <= 63 && hash.length <= 63);
  for (const value of storage.entries.values()) ok(!value.includes('correct horse'));
  ok(await store.verify('correct horse'));
  ok(!(await store.verify('correct horse ')));
  ok(!(await store.verify('')));
  // A second store over the same storage (a restart) knows the password.
  ok(await new PasswordStore(storage).verify('correct horse'));
  store.set('');
  equal(store.isSet, false);
  equal(storage.entries.size, 0);
  ok(!(await store.verify('correct horse')));
});

test('password store: the same password gets a new salt and hash each time it is set', () => {
  const storage = new MemoryStorage();
  const store = new PasswordStore(storage, { ...FEW, random: countingRandom() });
  store.set('same');
  const first = storage.read(PASSWORD_HASH_KEY);
  store.set('same');
  ok(storage.read(PASSWORD_HASH_KEY) !== first);
});

test('password store: no random source, too long, control characters: refused; damage fails closed', async () => {
  throws(() => new PasswordStore(new MemoryStorage(), FEW).set('x'), { message: /random source/ });
  const store = new PasswordStore(new MemoryStorage(), { ...FEW, random: countingRandom() });
  throws(() => store.set('x'.repeat(65)), { message: /at most 64/ });
  throws(() => store.set('a\nb'), { message: /control/ });
  const damaged = new MemoryStorage();
  damaged.write(PASSWORD_SALT_KEY, 'pbkdf2-sha256:8:!!!');
  damaged.write(PASSWORD_HASH_KEY, 'AAAA');
  const locked = new PasswordStore(damaged);
  ok(locked.isSet, 'a damaged stored password still asks for one');
  ok(!(await locked.verify('')));
  ok(!(await locked.verify('AAAA')));
  // Only a salt (a set() cut between its writes): no password.
  const half = new MemoryStorage();
  half.write(PASSWORD_SALT_KEY, 'pbkdf2-sha256:8:AAAAAAAAAAAAAAAAAAAAAA==');
  equal(new PasswordStore(half).isSet, false);
});

test('password store: a calibrated count costs about 1 s on the machine that set it', () => {
  // A clock that moves 250 ms between two reads: the first probe (32 rounds) seems to take 250 ms, so 1 s buys
  // 32 × 1000 / 250 = 128 rounds.
  let now = 0;
  const ticking = { set: () => 0, clear: () => {}, now: () => (now += 250) };
  const storage = new MemoryStorage();
  new PasswordStore(storage, { random: countingRandom(), timer: ticking }).set('pw');
  equal(storage.read(PASSWORD_SALT_KEY)!.split(':')[1], '128');
  // A slow machine is held to the floor of 64 rounds.
  const slow = { set: () => 0, clear: () => {}, now: () => (now += 5000) };
  new PasswordStore(storage, { random: countingRandom(), timer: slow }).set('pw');
  equal(storage.read(PASSWORD_SALT_KEY)!.split(':')[1], '64');
  // A clock that never moves while the CPU works (a VirtualClock) cannot calibrate: the default count, found
  // after a few thousand probe rounds rather than the 600 000 of the cap.
  new PasswordStore(storage, { random: countingRandom(), timer: new VirtualClock() }).set('pw');
  equal(storage.read(PASSWORD_SALT_KEY)!.split(':')[1], String(PASSWORD_ITERATIONS));
});

test('password store: a check runs in timer slices', async () => {
  const clock = new VirtualClock();
  const storage = new MemoryStorage();
  const store = new PasswordStore(storage, {
    random: countingRandom(),
    iterations: 100,
    timer: clock,
    sliceIterations: 10,
  });
  store.set('pw');
  ok(storage.read(PASSWORD_SALT_KEY)!.startsWith('pbkdf2-sha256:100:'));
  let settled = false;
  const check = store.verify('pw').then((good) => {
    settled = true;
    return good;
  });
  await clock.advance(0);
  ok(await clock.run(check));
  ok(settled);
});

test('settings: admin.password is write-only and hashed; GET shows only whether it is set', async () => {
  const storage = new MemoryStorage();
  const settings = new SettingsStore(storage, { ...FEW, random: countingRandom() });
  equal(settings.settings['admin.password'], '');
  deepEqual(publicSettings(settings.settings)['admin.password'], { set: false });
  equal(settings.update({ 'admin.password': 'hunter22' }), undefined);
  equal(settings.settings['admin.password'], PASSWORD_IS_SET);
  deepEqual(publicSettings(settings.settings)['admin.password'], { set: true });
  ok(!storage.entries.has('admin.password'));
  for (const value of storage.entries.values()) ok(!value.includes('hunter22'));
  ok(!JSON.stringify(publicSettings(settings.settings)).includes(storage.read(PASSWORD_HASH_KEY)!));
  ok(await settings.password.verify('hunter22'));
  // Setting the marker text itself is a new password, not "unchanged".
  settings.update({ 'admin.password': PASSWORD_IS_SET });
  ok(await settings.password.verify(PASSWORD_IS_SET));
  // Omitted or null keeps it; another field changes alone.
  settings.update({ 'uart.baud': 9600, 'admin.password': null });
  ok(await settings.password.verify(PASSWORD_IS_SET));
  // After a restart.
  const again = new SettingsStore(storage);
  equal(again.settings['admin.password'], PASSWORD_IS_SET);
  equal(again.settings['uart.baud'], 9600);
  // Without a random source it cannot be set, and nothing changes.
  const errors = again.update({ 'admin.password': 'x', 'uart.baud': 19200 });
  ok(errors && errors[0]!.field === 'admin.password');
  equal(again.settings['uart.baud'], 9600);
  equal(settings.update({ 'admin.password': '' }), undefined);
  equal(settings.settings['admin.password'], '');
  equal(settings.password.isSet, false);
});

function guardRig(options: Partial<ConstructorParameters<typeof AuthGuard>[0]> = {}) {
  const clock = new VirtualClock();
  const password = new PasswordStore(new MemoryStorage(), { ...FEW, random: countingRandom() });
  password.set('s3cret');
  const guard = new AuthGuard({ password, timer: clock, random: countingRandom(), ...options });
  return { clock, password, guard };
}

test('auth guard: a login gives a token that expires; logout and a new password end it', async () => {
  const { clock, password, guard } = guardRig({ tokenTtlMs: 60_000 });
  ok(guard.required);
  const login = await guard.login('s3cret', '10.0.0.2');
  ok(login.ok);
  equal(login.expiresInMs, 60_000);
  ok(/^[0-9a-f]{32}$/.test(login.token));
  ok(guard.checkToken(login.token));
  const last = login.token.slice(-1);
  ok(!guard.checkToken(login.token.slice(0, -1) + (last === '0' ? '1' : '0')), 'one character off');
  ok(!guard.checkToken(''));
  await clock.advance(59_999);
  ok(guard.checkToken(login.token));
  await clock.advance(1);
  ok(!guard.checkToken(login.token), 'expired after tokenTtlMs');
  const second = await guard.login('s3cret', '10.0.0.2');
  ok(second.ok);
  guard.logout(second.token);
  ok(!guard.checkToken(second.token));
  const third = await guard.login('s3cret', '10.0.0.2');
  ok(third.ok);
  password.set('changed');
  ok(!guard.checkToken(third.token), 'a new password ends every session');
  const wrong = await guard.login('s3cret', '10.0.0.2');
  deepEqual(wrong, { ok: false, reason: 'BAD_PASSWORD' });
});

test('auth guard: at most maxTokens sessions; the one closest to expiry goes first', async () => {
  const { clock, guard } = guardRig({ maxTokens: 2 });
  const tokens: string[] = [];
  for (let i = 0; i < 3; i++) {
    const login = await guard.login('s3cret', 'a');
    ok(login.ok);
    tokens.push(login.token);
    await clock.advance(1000);
  }
  equal(guard.sessionCount, 2);
  ok(!guard.checkToken(tokens[0]!));
  ok(guard.checkToken(tokens[1]!) && guard.checkToken(tokens[2]!));
});

test('auth guard: back-off per address doubles after the free failures; a success clears it', async () => {
  const { clock, guard } = guardRig();
  for (let i = 0; i < FREE_FAILURES - 1; i++) {
    deepEqual(await guard.checkPassword('nope', 'mallory'), { ok: false, reason: 'BAD_PASSWORD' });
    equal(guard.retryAfterMs('mallory'), 0);
  }
  deepEqual(await guard.checkPassword('nope', 'mallory'), { ok: false, reason: 'BAD_PASSWORD' });
  equal(guard.retryAfterMs('mallory'), 1000);
  // While blocked even the right password is not checked.
  deepEqual(await guard.checkPassword('s3cret', 'mallory'), {
    ok: false,
    reason: 'TOO_MANY_ATTEMPTS',
    retryAfterMs: 1000,
  });
  equal(guard.retryAfterMs('alice'), 0, 'another address is not held back');
  ok((await guard.checkPassword('s3cret', 'alice')).ok);
  await clock.advance(1000);
  await guard.checkPassword('nope', 'mallory');
  equal(guard.retryAfterMs('mallory'), 2000);
  await clock.advance(2000);
  await guard.checkPassword('nope', 'mallory');
  equal(guard.retryAfterMs('mallory'), 4000);
  await clock.advance(4000);
  ok((await guard.checkPassword('s3cret', 'mallory')).ok);
  equal(guard.retryAfterMs('mallory'), 0);
});

test('auth guard: failures from many addresses trip the global limit; the address table stays bounded', async () => {
  const { clock, guard } = guardRig({ maxAddresses: 4, globalFailures: 10, globalWindowMs: 60_000 });
  for (let i = 0; i < 11; i++) {
    const result = await guard.checkPassword('nope', `10.0.0.${i}`);
    equal(result.ok, false);
  }
  const blocked = await guard.checkPassword('s3cret', '10.0.1.1');
  equal(blocked.ok, false);
  ok(!blocked.ok && blocked.reason === 'TOO_MANY_ATTEMPTS' && blocked.retryAfterMs > 0);
  equal((guard as unknown as { addresses: Map<string, unknown> }).addresses.size, 4);
  await clock.advance(60_000);
  ok((await guard.checkPassword('s3cret', '10.0.1.1')).ok, 'the window ended');
});

test('auth guard: a password that passed is remembered (no second derivation) until it changes', async () => {
  const { password, guard } = guardRig();
  let derivations = 0;
  const verify = password.verify.bind(password);
  password.verify = (text: string) => {
    derivations++;
    return verify(text);
  };
  ok((await guard.checkPassword('s3cret', 'curl')).ok);
  ok((await guard.checkPassword('s3cret', 'curl')).ok);
  equal(derivations, 1);
  equal((await guard.checkPassword('other', 'curl')).ok, false);
  equal(derivations, 2);
  password.set('s3cret');
  ok((await guard.checkPassword('s3cret', 'curl')).ok);
  equal(derivations, 3, 'a new password (even the same text) is derived again');
});

test('auth guard: without a password nothing is required', () => {
  const clock = new VirtualClock();
  const password = new PasswordStore(new MemoryStorage());
  const guard = new AuthGuard({ password, timer: clock, random: countingRandom() });
  equal(guard.required, false);
});
