/**
 * The page-CRC routine's bytes in src/stm32/page-crc/routine.ts are page-crc.s assembled: this assembles the source
 * with Debian's binutils-arm-none-eabi and compares, so the source and the bytes the host sends cannot drift apart.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENTRY_OFFSET, PARAMS_OFFSET, ROUTINE_CODE } from '../../src/stm32/page-crc/routine.js';
import { hasProgram } from './support/tools.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const source = path.join(root, 'src/stm32/page-crc/page-crc.s');

test('page-crc.s assembles to exactly the bytes in routine.ts, with entry and params where the host puts them', {
  skip: assemblerMissing(),
}, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'airboot-page-crc-'));
  try {
    const object = path.join(dir, 'page-crc.o');
    const binary = path.join(dir, 'page-crc.bin');
    execFileSync('arm-none-eabi-as', ['-o', object, source]);
    execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', object, binary]);
    assert.deepEqual(new Uint8Array(readFileSync(binary)), ROUTINE_CODE);
    const symbols = new Map(
      execFileSync('arm-none-eabi-nm', [object], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .map(([value, , name]) => [name!, Number.parseInt(value!, 16)] as const),
    );
    assert.equal(symbols.get('entry'), ENTRY_OFFSET);
    assert.equal(symbols.get('params'), PARAMS_OFFSET);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Why the test cannot run here, or false; on CI a missing assembler fails the run instead (.ci/run installs it). */
function assemblerMissing(): string | false {
  const missing = ['arm-none-eabi-as', 'arm-none-eabi-objcopy', 'arm-none-eabi-nm'].filter(
    (name) => !hasProgram(name),
  );
  if (missing.length === 0) return false;
  const reason = `${missing.join(', ')} not installed (apt-get install binutils-arm-none-eabi)`;
  if (process.env.CI === 'true') throw new Error(`CI: ${reason}`);
  return reason;
}
