import { decodeBase64, encodeBase64 } from '../../../src/net/encoding/base64.js';
import { Sha1, sha1 } from '../../../src/net/encoding/sha1.js';
import { decodeUtf8, encodeUtf8, isUtf8, Utf8Validator } from '../../../src/net/encoding/utf8.js';
import { bytesEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { bytes } from './http-test-support.js';

function hex(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('');
}

test('SHA-1: the four test vectors of RFC 3174 §7.3', () => {
  equal(hex(sha1(bytes('abc'))), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  equal(
    hex(sha1(bytes('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
  );
  const million = new Sha1();
  const thousandA = new Uint8Array(1000).fill(0x61);
  for (let i = 0; i < 1000; i++) million.update(thousandA);
  equal(hex(million.digest()), '34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  const eight = bytes('0123456701234567012345670123456701234567012345670123456701234567');
  const repeated = new Sha1();
  for (let i = 0; i < 10; i++) repeated.update(eight);
  equal(hex(repeated.digest()), 'dea356a2cddd90c7a7ecedc5ebb563934f460452');
});

test('SHA-1: empty input, and padding at the 55/56/64-byte block edges', () => {
  equal(hex(sha1(new Uint8Array(0))), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  // 55, 56 and 64 "a" bytes need one, two and two padding blocks; digests as computed by coreutils sha1sum.
  equal(hex(sha1(new Uint8Array(55).fill(0x61))), 'c1c8bbdc22796e28c0e15163d20899b65621d65a');
  equal(hex(sha1(new Uint8Array(56).fill(0x61))), 'c2db330f6083854c99d4b5bfb6e8f29f201be699');
  equal(hex(sha1(new Uint8Array(64).fill(0x61))), '0098ba824b5c16427bd7a1122a5a442a25ec644d');
});

test('SHA-1: any split of the input gives the same digest', () => {
  const data = Uint8Array.from({ length: 150 }, (_, i) => (i * 31) & 0xff);
  const whole = sha1(data);
  for (let k = 0; k <= data.length; k++) {
    bytesEqual(
      new Sha1().update(data.subarray(0, k)).update(data.subarray(k)).digest(),
      whole,
      `split at ${k}`,
    );
  }
  const done = new Sha1();
  done.digest();
  throws(() => done.update(data), { name: 'RangeError' });
});

test('base64: the test vectors of RFC 4648 §10', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ];
  for (const [plain, encoded] of vectors) {
    equal(encodeBase64(bytes(plain)), encoded);
    bytesEqual(decodeBase64(encoded), bytes(plain), encoded);
  }
});

test('base64: every byte value round-trips, "+" and "/" included', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const encoded = encodeBase64(all);
  ok(encoded.includes('+') && encoded.includes('/'));
  bytesEqual(decodeBase64(encoded), all);
});

test('base64: strict decoding refuses what RFC 4648 §3 lets decoders refuse', () => {
  for (const bad of [
    'Zg',
    'Zg=',
    'Zm9',
    'Zg==Zg==',
    'Z===',
    '====',
    'Zm9v\n',
    ' Zm9v',
    'Zm-v',
    'Zh==',
    'Zm9=',
    'Zm\u00e99',
  ]) {
    throws(() => decodeBase64(bad), { code: 'BAD_BASE64' });
  }
  const error = throws(() => decodeBase64('Zm9v*mFy'), { code: 'BAD_BASE64' }) as unknown as {
    offset: number;
  };
  equal(error.offset, 4);
});

test('UTF-8: encode and decode across the code point ranges', () => {
  const samples: [string, number[]][] = [
    ['A', [0x41]],
    ['é', [0xc3, 0xa9]],
    ['€', [0xe2, 0x82, 0xac]],
    ['\u{1f600}', [0xf0, 0x9f, 0x98, 0x80]],
    ['\u{10ffff}', [0xf4, 0x8f, 0xbf, 0xbf]],
    ['\u0000', [0]],
  ];
  for (const [text, encoded] of samples) {
    bytesEqual(encodeUtf8(text), Uint8Array.from(encoded), text);
    equal(decodeUtf8(Uint8Array.from(encoded)), text);
  }
  bytesEqual(
    encodeUtf8('a\ud800b'),
    Uint8Array.of(0x61, 0xef, 0xbf, 0xbd, 0x62),
    'a lone surrogate becomes U+FFFD',
  );
});

test('UTF-8: overlong forms, surrogates, out-of-range and truncated sequences are refused', () => {
  const bad = [
    [0x80],
    [0xc0, 0x80],
    [0xc1, 0xbf],
    [0xe0, 0x80, 0x80],
    [0xe0, 0x9f, 0xbf],
    [0xed, 0xa0, 0x80],
    [0xf0, 0x80, 0x80, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0x80, 0x80, 0x80],
    [0xff],
    [0xe2, 0x82],
    [0xc3, 0x41],
  ];
  for (const sequence of bad) {
    const data = Uint8Array.from(sequence);
    equal(isUtf8(data), false, sequence.join(','));
    throws(() => decodeUtf8(data), { code: 'BAD_UTF8' });
  }
  ok(isUtf8(Uint8Array.of(0xed, 0x9f, 0xbf)), 'U+D7FF is fine');
  ok(isUtf8(Uint8Array.of(0xee, 0x80, 0x80)), 'U+E000 is fine');
});

test('UTF-8: the validator follows characters split across pushes and fails fast', () => {
  const data = encodeUtf8('a€\u{1f600}é');
  for (let k = 0; k <= data.length; k++) {
    const validator = new Utf8Validator();
    ok(validator.push(data.subarray(0, k)));
    equal(validator.complete, k === 0 || k === 1 || k === 4 || k === 8 || k === 10, `complete after ${k}`);
    ok(validator.push(data.subarray(k)));
    ok(validator.complete);
  }
  const validator = new Utf8Validator();
  ok(validator.push(Uint8Array.of(0x61, 0xed)));
  equal(validator.push(Uint8Array.of(0xa0)), false, 'a surrogate is refused at its second byte');
  equal(validator.offset, 2);
  equal(validator.push(Uint8Array.of(0x61)), false, 'stays refused');
  validator.reset();
  ok(validator.push(Uint8Array.of(0x61)) && validator.complete);
});
