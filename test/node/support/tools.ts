import { spawnSync } from 'node:child_process';

/** Whether a program is on PATH. */
export function hasProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * The `skip` option for node:test when a program is missing: a visible reason locally, but never on CI, where a
 * missing tool must fail the run instead of hiding the test.
 */
export function skipUnless(...programs: string[]): string | false {
  const missing = programs.filter((name) => !hasProgram(name));
  if (missing.length === 0) return false;
  if (process.env.CI === 'true') {
    throw new Error(`CI: ${missing.join(', ')} missing; install it (apt install ${missing.join(' ')})`);
  }
  return `${missing.join(', ')} not installed (apt install ${missing.join(' ')})`;
}
