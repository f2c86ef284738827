import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { layoutFrom, parseSize } from '../../src/cli/layout-options.js';
import { airboot, ROOT } from './support/cli.js';

test('layout options: sizes in bytes, K and M', () => {
  assert.equal(parseSize('2048'), 2048);
  assert.equal(parseSize('2K'), 2048);
  assert.equal(parseSize('128k'), 131072);
  assert.equal(parseSize('1M'), 1048576);
  assert.equal(parseSize('16KiB'), 16384);
  assert.throws(() => parseSize('12x'), InvalidArgumentError);
  assert.throws(() => parseSize('3'), InvalidArgumentError);
});

test('layout options: flash size with pages or sectors makes a layout; nothing given makes none', () => {
  assert.equal(layoutFrom({}), undefined);
  assert.deepEqual(layoutFrom({ flashSize: 131072, pageSize: 2048 }), {
    flashBytes: 131072,
    eraseLayout: { kind: 'pages', pageSize: 2048 },
  });
  assert.deepEqual(layoutFrom({ flashSize: 1048576, sectors: [16384, 65536, 131072] })?.eraseLayout, {
    kind: 'sectors',
    sizes: [16384, 65536, 131072],
  });
  assert.throws(() => layoutFrom({ flashSize: 131072 }), /needs --flash-size and exactly one of/);
  assert.throws(() => layoutFrom({ pageSize: 2048 }), /needs --flash-size/);
  assert.throws(() => layoutFrom({ flashSize: 131072, pageSize: 2048, sectors: [2048] }), /exactly one/);
});

test('airboot flash: an incomplete layout is a usage error before any port is opened', async () => {
  const run = await airboot([
    'flash',
    `${ROOT}/examples/demo-v2.hex`,
    '--serial',
    'tcp://127.0.0.1:1',
    '--flash-size',
    '128K',
  ]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /needs --flash-size and exactly one of --page-size or --sectors/);
});
