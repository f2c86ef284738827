/**
 * Builds the browser UI (web/) into dist/web/: app.js (web/main.ts bundled and minified by esbuild), style.css
 * (minified), index.html (whitespace between tags removed), each next to a gzipped `.gz` copy. The device serves
 * only the `.gz` files (it has no gunzip), so they are what counts against its flash: the build prints their sizes
 * and fails above WEB_GZIP_BUDGET_BYTES.
 *
 *   node dist/tools/build-web.js            (part of `npm run build`)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';

/** Most bytes all gzipped assets together may take (the ESP8266 stores them in its program flash). */
export const WEB_GZIP_BUDGET_BYTES = 20 * 1024;

/** The repository root: this file runs as dist/tools/build-web.js. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Browsers the page supports: anything from 2021 on, phones included. */
const TARGET = ['es2020', 'chrome90', 'firefox90', 'safari15'];

async function bundleScript(): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [path.join(root, 'web/main.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: TARGET,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return result.outputFiles[0]!.contents;
}

async function minifyStyle(): Promise<string> {
  const css = readFileSync(path.join(root, 'web/style.css'), 'utf8');
  return (await transform(css, { loader: 'css', minify: true, target: TARGET })).code;
}

/** The page has no inline script or `pre` content, so whitespace between tags carries no meaning. */
function compactHtml(html: string): string {
  return html.replace(/>\s+</g, '><').replace(/\s+\n/g, '\n').trim();
}

export async function buildWeb(outDir = path.join(root, 'dist/web')): Promise<Record<string, number>> {
  mkdirSync(outDir, { recursive: true });
  const assets: Record<string, Uint8Array | string> = {
    'index.html': compactHtml(readFileSync(path.join(root, 'web/index.html'), 'utf8')),
    'app.js': await bundleScript(),
    'style.css': await minifyStyle(),
  };
  const sizes: Record<string, number> = {};
  for (const [name, content] of Object.entries(assets)) {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    // mtime 0 in the gzip header (RFC 1952 §2.3.1: MTIME 0 = none) keeps the output byte-identical across builds.
    const gzipped = gzipSync(bytes, { level: 9 });
    writeFileSync(path.join(outDir, name), bytes);
    writeFileSync(path.join(outDir, `${name}.gz`), gzipped);
    sizes[name] = gzipped.length;
  }
  return sizes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await buildWeb();
  const total = Object.values(sizes).reduce((sum, size) => sum + size, 0);
  const list = Object.entries(sizes)
    .map(([name, size]) => `${name} ${size}`)
    .join(', ');
  console.log(`dist/web: ${list} bytes gzipped, ${total} in all (budget ${WEB_GZIP_BUDGET_BYTES})`);
  if (total > WEB_GZIP_BUDGET_BYTES) {
    console.error(`the web UI is over its budget by ${total - WEB_GZIP_BUDGET_BYTES} bytes gzipped`);
    process.exitCode = 1;
  }
}
