/**
 * Runs the device firmware's tests (test/device/*.test.ts) on the XS engine, as tools/test-xs.ts runs the portable
 * ones: bundled by esbuild with a small runner and evaluated in an xsnap worker. The firmware imports Moddable's
 * modules (`embedded:io/…`, `timer`, `wifi`, `airboot/serial`, …); tools/device-bundle.ts resolves each to the fake
 * of the same name in test/device/fakes, which play a simulated STM32, an in-memory network and flash.
 */
import '@endo/init';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleForXs, deviceTests, fakes, root, startXs } from './device-bundle.js';

const filter = process.argv[2];
const files = fs
  .readdirSync(deviceTests)
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => path.join(deviceTests, name))
  .filter((file) => !filter || file.includes(filter))
  .sort();
const entry = [
  `import ${JSON.stringify(path.join(fakes, 'globals.ts'))};`,
  `import { registeredTests } from ${JSON.stringify(path.join(root, 'test/portable/harness.ts'))};`,
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

const code = await bundleForXs(entry, 'device-entry.js');

let passed = 0;
let failed = 0;
let finished = false;
const decoder = new TextDecoder();
const worker = await startXs('airboot-device-tests', (message) => {
  const result = JSON.parse(decoder.decode(message)) as {
    name?: string;
    ok?: boolean;
    error?: string;
    done?: boolean;
  };
  if (result.done) finished = true;
  else if (result.ok) {
    passed++;
    console.log(`ok ${passed + failed} - [xs device] ${result.name}`);
  } else {
    failed++;
    console.log(
      `not ok ${passed + failed} - [xs device] ${result.name}\n  ${String(result.error).replace(/\n/g, '\n  ')}`,
    );
  }
});
const started = Date.now();
try {
  await worker.evaluate(code);
} finally {
  await worker.close();
}
if (!finished) {
  failed++;
  console.log('not ok - [xs device] the suite did not finish: a test waits on something that never happens');
}
console.log(
  `# XS engine, device firmware with fake Moddable modules: ${files.length} files, ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
console.log(`device: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
