/**
 * `npm run fuzz`: the property and fuzz tests of CI (test/node/*fuzz*.test.ts, test/node/property-*.test.ts), run
 * with many more cases. Not part of `npm test`. Options:
 *   --scale N     runs per property = N × the CI count (default 100; AIRBOOT_FUZZ_SCALE)
 *   --minutes M   stop after M minutes (default 10); each file gets an equal share, then is ended
 *   --seed S      replay the seed fast-check printed for a failure (AIRBOOT_FUZZ_SEED)
 *   FILTER…       only test files whose path contains one of these
 * Exit code: 0 when every file passed in its time, 1 otherwise (a file that ran out of time counts as a failure,
 * with a note, so a budget too small for the scale is visible).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const testDir = path.resolve(here, '../test/node');

interface FuzzOptions {
  scale: number;
  minutes: number;
  seed: string | undefined;
  filters: string[];
}

function parseArguments(argv: readonly string[]): FuzzOptions {
  const options: FuzzOptions = { scale: 100, minutes: 10, seed: undefined, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    if (argument === '--scale') options.scale = positive(argument, value());
    else if (argument === '--minutes') options.minutes = positive(argument, value());
    else if (argument === '--seed') options.seed = value();
    else options.filters.push(argument);
  }
  return options;
}

function positive(name: string, text: string): number {
  const number = Number(text);
  if (!Number.isFinite(number) || number <= 0)
    throw new Error(`${name} wants a positive number, not '${text}'`);
  return number;
}

const options = parseArguments(process.argv.slice(2));
const files = readdirSync(testDir)
  .filter((name) => /^(property-.*|.*fuzz.*)\.test\.js$/.test(name))
  .map((name) => path.join(testDir, name))
  .filter((file) => options.filters.length === 0 || options.filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  process.stderr.write('fuzz: no test file matches\n');
  process.exit(1);
}

const shareMs = (options.minutes * 60_000) / files.length;
const env: NodeJS.ProcessEnv = { ...process.env, AIRBOOT_FUZZ_SCALE: String(options.scale) };
if (options.seed !== undefined) env.AIRBOOT_FUZZ_SEED = options.seed;
process.stdout.write(
  `fuzz: ${files.length} file(s), ${options.scale}× the CI runs, up to ${Math.round(shareMs / 1000)} s each\n`,
);
let failed = 0;
for (const file of files) {
  const started = Date.now();
  // One file at a time, so the time share is the file's own and a failure's output stays readable.
  const result = spawnSync(
    process.execPath,
    ['--import', path.join(here, 'bind-node-test.js'), '--test', '--test-reporter=dot', file],
    { stdio: 'inherit', env, timeout: shareMs, killSignal: 'SIGKILL' },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const name = path.relative(testDir, file);
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    process.stdout.write(
      `fuzz: ${name}: out of time after ${seconds} s (lower --scale or raise --minutes)\n`,
    );
    failed++;
  } else if (result.status !== 0) {
    process.stdout.write(
      `fuzz: ${name}: FAILED after ${seconds} s (fast-check printed the seed to replay)\n`,
    );
    failed++;
  } else {
    process.stdout.write(`fuzz: ${name}: passed in ${seconds} s\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
