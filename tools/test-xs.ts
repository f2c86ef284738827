/**
 * Runs the portable test-suite on the XS engine (Moddable's, as built by @agoric/xsnap), proving the portable
 * modules run unchanged there. Every test/portable/**\/*.test.ts is bundled with a small runner by esbuild and
 * evaluated in an xsnap worker; each result comes back through xsnap's `issueCommand`.
 */
import '@endo/init';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { type } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const portable = path.join(root, 'test/portable');

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(full));
    else if (entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

const filter = process.argv[2];
const files = findTests(portable).filter((file) => !filter || file.includes(filter));
const entry = [
  `import { registeredTests } from ${JSON.stringify(path.join(portable, 'harness.ts'))};`,
  ...files.map((file) => `import ${JSON.stringify(file)};`),
  `const encoder = new TextEncoder();`,
  `const report = (message) => issueCommand(encoder.encode(JSON.stringify(message)).buffer);`,
  `(async () => {`,
  `  for (const t of registeredTests()) {`,
  `    try { await t.fn(); report({ name: t.name, ok: true }); }`,
  `    catch (error) { report({ name: t.name, ok: false, error: String(error && error.stack || error) + (error && error.code ? ' [' + error.code + ']' : '') }); }`,
  `  }`,
  `  report({ done: true });`,
  `})();`,
].join('\n');

const bundle = await build({
  stdin: { contents: entry, resolveDir: root, loader: 'js', sourcefile: 'xs-entry.js' },
  bundle: true,
  format: 'iife',
  target: 'es2022',
  platform: 'neutral',
  write: false,
  logLevel: 'warning',
});
const code = bundle.outputFiles[0]!.text;

// @agoric/xsnap ships no types; this is the part of its API used here.
const { xsnap } = (await import('@agoric/xsnap' as string)) as {
  xsnap: (
    options: Record<string, unknown>,
  ) => Promise<{ evaluate(code: string): Promise<unknown>; close(): Promise<void> }>;
};

let passed = 0;
let failed = 0;
let finished = false;
const decoder = new TextDecoder();
const worker = await xsnap({
  os: type(),
  spawn,
  fs: { ...fs, ...fsp },
  name: 'airboot-portable-tests',
  meteringLimit: 0,
  stdout: 'inherit',
  stderr: 'inherit',
  handleCommand: async (message: Uint8Array) => {
    const result = JSON.parse(decoder.decode(message)) as {
      name?: string;
      ok?: boolean;
      error?: string;
      done?: boolean;
    };
    if (result.done) finished = true;
    else if (result.ok) {
      passed++;
      console.log(`ok ${passed + failed} - [xs] ${result.name}`);
    } else {
      failed++;
      console.log(
        `not ok ${passed + failed} - [xs] ${result.name}\n  ${String(result.error).replace(/\n/g, '\n  ')}`,
      );
    }
    return new Uint8Array(0);
  },
});
const started = Date.now();
try {
  await worker.evaluate(code);
} finally {
  await worker.close();
}
if (!finished) {
  failed++;
  console.log('not ok - [xs] the suite did not finish: a test waits on something that never happens');
}
console.log(`# XS engine: ${files.length} files, ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`xs: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
