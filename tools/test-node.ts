/**
 * Runs every compiled test file (dist/test/**\/*.test.js) with Node's test runner. Node 20's `--test` takes no
 * globs, so the files are listed here. Arguments filter by substring of the path.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const testRoot = path.resolve(here, '../test');

function find(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...find(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

const filters = process.argv.slice(2);
const files = find(testRoot).filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
const result = spawnSync(
  process.execPath,
  ['--import', path.join(here, 'bind-node-test.js'), '--test', '--test-concurrency=2', ...files],
  { stdio: 'inherit' },
);
process.exitCode = result.status ?? 1;
