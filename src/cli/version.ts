import { readFileSync } from 'node:fs';

/** airboot's version, from package.json (three levels above dist/src/cli/version.js). */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
