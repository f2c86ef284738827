/**
 * Runs test files on the XS engine of @agoric/xsnap: they are bundled with a small runner (test/portable/harness.ts
 * registers the tests), evaluated in an xsnap worker, and each result comes back through xsnap's `issueCommand`,
 * printed as TAP lines. Shared by tools/test-xs.ts (the portable suite) and tools/test-device.ts (the firmware).
 */
import * as path from 'node:path';
import { bundleForXs, root, startXs } from './device-bundle.js';

export interface XsSuite {
  /** Tag on each TAP line, e.g. "xs" or "xs device". */
  tag: string;
  /** The summary line's name ("xs: 3 passed, 0 failed"). */
  summaryName: string;
  /** What ran, for the timing line. */
  description: string;
  files: readonly string[];
  /** Modules imported before the tests (e.g. the fakes' globals). */
  preludes?: readonly string[];
  /** Resolve Moddable's modules to test/device/fakes. */
  deviceFakes: boolean;
}

/**
 * Freezes the built-ins before any test code runs, as a Moddable device has them: mcconfig preloads the firmware
 * into flash and XS freezes every built-in object (prototypes and constructors) in the process. Code that assigns
 * over an inherited built-in property (`this.name = …` on an Error) throws there and must throw here too.
 * `globalThis` itself stays open, as on the device.
 */
const FREEZE_BUILT_INS = `(() => {
  const seen = new Set();
  const freeze = (value) => {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) return;
    seen.add(value);
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if ('value' in descriptor) freeze(descriptor.value);
      else { freeze(descriptor.get); freeze(descriptor.set); }
    }
    freeze(Object.getPrototypeOf(value));
  };
  for (const key of Reflect.ownKeys(globalThis)) {
    const value = globalThis[key];
    if (typeof value === 'function' && /^[A-Z]/.test(String(key))) freeze(value);
    else if (key === 'Math' || key === 'JSON' || key === 'Reflect' || key === 'Atomics') freeze(value);
  }
})();`;

/** Run the suite; returns the exit code (1 when a test failed, none ran, or the suite never finished). */
export async function runXsSuite(suite: XsSuite): Promise<number> {
  const entry = [
    ...(suite.preludes ?? []).map((file) => `import ${JSON.stringify(file)};`),
    `import { registeredTests } from ${JSON.stringify(path.join(root, 'test/portable/harness.ts'))};`,
    ...suite.files.map((file) => `import ${JSON.stringify(file)};`),
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
  const code = await bundleForXs(entry, `${suite.summaryName}-entry.js`, suite.deviceFakes);

  let passed = 0;
  let failed = 0;
  let finished = false;
  const decoder = new TextDecoder();
  const worker = await startXs(`airboot-${suite.summaryName}-tests`, (message) => {
    const result = JSON.parse(decoder.decode(message)) as {
      name?: string;
      ok?: boolean;
      error?: string;
      done?: boolean;
    };
    if (result.done) finished = true;
    else if (result.ok) {
      passed++;
      console.log(`ok ${passed + failed} - [${suite.tag}] ${result.name}`);
    } else {
      failed++;
      const error = String(result.error).replace(/\n/g, '\n  ');
      console.log(`not ok ${passed + failed} - [${suite.tag}] ${result.name}\n  ${error}`);
    }
  });
  const started = Date.now();
  try {
    await worker.evaluate(FREEZE_BUILT_INS);
    await worker.evaluate(code);
  } finally {
    await worker.close();
  }
  if (!finished) {
    failed++;
    console.log(
      `not ok - [${suite.tag}] the suite did not finish: a test waits on something that never happens`,
    );
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`# ${suite.description}: ${suite.files.length} files, ${seconds} s`);
  console.log(`${suite.summaryName}: ${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}
