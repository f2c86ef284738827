/**
 * tools/build-web.ts and the Node AssetStore: the UI builds into small gzipped files that decompress to what the
 * page needs, and DirectoryAssetStore serves exactly those files, gzip-coded, and nothing outside its directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { DirectoryAssetStore } from '../../src/platform/node/web-assets.js';
import { buildWeb, WEB_GZIP_BUDGET_BYTES } from '../../tools/build-web.js';

let dir: string;
let sizes: Record<string, number>;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'airboot-web-'));
  sizes = await buildWeb(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('build-web: index.html, app.js and style.css, each with a .gz that decompresses to it, under the budget', () => {
  assert.deepEqual(Object.keys(sizes).sort(), ['app.js', 'index.html', 'style.css']);
  for (const name of Object.keys(sizes)) {
    const plain = readFileSync(path.join(dir, name));
    const gzipped = readFileSync(path.join(dir, `${name}.gz`));
    assert.equal(gzipped.length, sizes[name]);
    assert.ok(gzipped.length < plain.length, `${name} shrinks when gzipped`);
    assert.deepEqual(gunzipSync(gzipped), plain);
  }
  const total = Object.values(sizes).reduce((sum, size) => sum + size, 0);
  assert.ok(total <= WEB_GZIP_BUDGET_BYTES, `${total} bytes gzipped, budget ${WEB_GZIP_BUDGET_BYTES}`);
});

test('build-web: the page loads its script and style, and the script is one minified bundle', () => {
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
  assert.match(html, /<script src="app\.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="style\.css">/);
  assert.doesNotMatch(html, />\s+</, 'whitespace between tags is removed');
  const script = readFileSync(path.join(dir, 'app.js'), 'utf8');
  assert.doesNotMatch(
    script,
    /^import |\bfrom ["']\.\//m,
    'no module imports left: the bundle is self-contained',
  );
  assert.match(script, /\/api\/status/);
  assert.match(script, /\/ws\/serial/);
  assert.doesNotMatch(script, /\/\*\*|^ {2}/m, 'minified: no doc comments, no indentation');
});

test('DirectoryAssetStore: serves the .gz copy as gzip with the type of the plain name; nothing else', () => {
  const store = new DirectoryAssetStore(dir);
  assert.equal(store.built, true);
  const index = store.get('/index.html');
  assert.ok(index);
  assert.equal(index.gzip, true);
  assert.equal(index.type, 'text/html; charset=utf-8');
  assert.deepEqual(gunzipSync(index.body), readFileSync(path.join(dir, 'index.html')));
  assert.equal(store.get('/app.js')?.type, 'text/javascript; charset=utf-8');
  assert.equal(store.get('/style.css')?.type, 'text/css; charset=utf-8');
  // A file without a .gz copy is served as it is.
  writeFileSync(path.join(dir, 'plain.txt'), 'hello');
  assert.deepEqual(store.get('/plain.txt'), {
    body: new Uint8Array(Buffer.from('hello')),
    type: 'application/octet-stream',
    gzip: false,
  });
  for (const refused of ['/index.html.gz', '/../package.json', '/sub/x.js', '/.hidden', '/', '/missing.js']) {
    assert.equal(store.get(refused), undefined, refused);
  }
  assert.equal(new DirectoryAssetStore(path.join(dir, 'nowhere')).built, false);
});
