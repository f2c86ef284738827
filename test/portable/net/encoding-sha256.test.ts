import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { HmacSha256, hmacSha256 } from '../../../src/net/encoding/hmac.js';
import {
  constantTimeEqual,
  derivePbkdf2Sha256,
  Pbkdf2Sha256,
  pbkdf2Sha256,
} from '../../../src/net/encoding/pbkdf2.js';
import { Sha256, sha256 } from '../../../src/net/encoding/sha256.js';
import { equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { bytes } from './http-test-support.js';

function hex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');
}

test('SHA-256: the FIPS 180-4 example messages (one block, two blocks, a million a)', () => {
  equal(hex(sha256(bytes('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  equal(
    hex(sha256(bytes('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
  const million = new Sha256();
  const thousandA = new Uint8Array(1000).fill(0x61);
  for (let i = 0; i < 1000; i++) million.update(thousandA);
  equal(hex(million.digest()), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
});

test('SHA-256: empty input, padding at the 55/56/64-byte edges, and any split of the input', () => {
  equal(hex(sha256(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  // 55, 56 and 64 "a" bytes need one, two and two padding blocks; digests as computed by coreutils sha256sum.
  equal(
    hex(sha256(new Uint8Array(55).fill(0x61))),
    '9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318',
  );
  equal(
    hex(sha256(new Uint8Array(56).fill(0x61))),
    'b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a',
  );
  equal(
    hex(sha256(new Uint8Array(64).fill(0x61))),
    'ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb',
  );
  const data = new Uint8Array(200);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 0xff;
  const whole = hex(sha256(data));
  for (const cut of [1, 63, 64, 65, 130]) {
    const split = new Sha256().update(data.subarray(0, cut)).update(data.subarray(cut)).digest();
    equal(hex(split), whole, `split at ${cut}`);
  }
  const used = new Sha256();
  used.digest();
  throws(() => used.update(data), { name: 'RangeError' });
  equal(hex(used.reset().update(bytes('abc')).digest()), hex(sha256(bytes('abc'))), 'reset starts over');
});

test('HMAC-SHA256: RFC 4231 test cases 1, 2 and 6 (short key, text key, key longer than a block)', () => {
  equal(
    hex(hmacSha256(new Uint8Array(20).fill(0x0b), bytes('Hi There'))),
    'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
  );
  equal(
    hex(hmacSha256(bytes('Jefe'), bytes('what do ya want for nothing?'))),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
  equal(
    hex(
      hmacSha256(
        new Uint8Array(131).fill(0xaa),
        bytes('Test Using Larger Than Block-Size Key - Hash Key First'),
      ),
    ),
    '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  );
  // One keyed object, several messages: each MAC starts from the keyed state again.
  const mac = new HmacSha256(bytes('Jefe'));
  const out = new Uint8Array(32);
  mac.macInto(bytes('Hi There'), out);
  mac.macInto(bytes('what do ya want for nothing?'), out);
  equal(hex(out), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
});

test('PBKDF2-HMAC-SHA256: RFC 7914 §11 first vector (c = 1, 64 bytes: two blocks)', () => {
  equal(
    hex(pbkdf2Sha256(bytes('passwd'), bytes('salt'), 1, 64)),
    '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc' +
      '49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
  );
});

// RFC 7914 §11's second vector (c = 80000) takes a minute on XS: test/node/auth-http.test.ts checks it on Node.
test('PBKDF2-HMAC-SHA256: c = 4096 (as Python hashlib and OpenSSL compute it), derived in timer slices', async () => {
  const clock = new VirtualClock();
  let slices = 0;
  const counting = {
    set: (callback: () => void, ms: number) => {
      slices++;
      return clock.set(callback, ms);
    },
    clear: (handle: unknown) => clock.clear(handle),
    now: () => clock.now(),
  };
  const result = await clock.run(
    derivePbkdf2Sha256(bytes('password'), bytes('salt'), 4096, 32, counting, 1000),
  );
  // 4096 rounds in slices of 1000: 5 slices, so the CPU was given back 4 times in between.
  equal(slices, 4);
  equal(hex(result), 'c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a');
});

test('PBKDF2: the key is truncated to the asked length; bad counts and lengths are refused', () => {
  equal(hex(pbkdf2Sha256(bytes('passwd'), bytes('salt'), 1, 20)), '55ac046e56e3089fec1691c22544b605f9418521');
  throws(() => new Pbkdf2Sha256(bytes('p'), bytes('s'), 0, 32), { name: 'RangeError' });
  throws(() => new Pbkdf2Sha256(bytes('p'), bytes('s'), 1, 0), { name: 'RangeError' });
  throws(() => new Pbkdf2Sha256(bytes('p'), bytes('s'), 1.5, 32), { name: 'RangeError' });
});

test('constantTimeEqual: equal bytes, a difference at either end, and different lengths', () => {
  ok(constantTimeEqual(bytes('secret'), bytes('secret')));
  ok(!constantTimeEqual(bytes('secret'), bytes('secreT')));
  ok(!constantTimeEqual(bytes('secret'), bytes('Secret')));
  ok(!constantTimeEqual(bytes('secret'), bytes('secrets')));
  ok(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)));
});
