/**
 * Runs the portable test-suite on the XS engine (Moddable's, as built by @agoric/xsnap), proving the portable
 * modules run unchanged there: every test/portable/**\/*.test.ts (tools/xs-suite.ts does the running).
 *
 *   node dist/tools/test-xs.js [FILTER]      (a substring of the test files' paths)
 */
import '@endo/init';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { root } from './device-bundle.js';
import { runXsSuite } from './xs-suite.js';

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
process.exitCode = await runXsSuite({
  tag: 'xs',
  summaryName: 'xs',
  description: 'XS engine',
  files: findTests(portable).filter((file) => !filter || file.includes(filter)),
  deviceFakes: false,
});
