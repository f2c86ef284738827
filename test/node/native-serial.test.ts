/**
 * The hardware-independent half of the native UART module (firmware/native/serial: ring buffer, format checks,
 * UART_CONF0/CONF1/CLKDIV values) compiled with the host gcc and run. The device halves (esp/, esp32/, the XS
 * binding) need Espressif's SDKs and are not built here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipUnless } from './support/tools.js';

/** Compiled to dist/test/node/: the repository is three levels up. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const native = path.join(root, 'firmware/native/serial');
const skip = skipUnless('gcc');

/** Each harness: its test file and the module sources it links. */
const harnesses = [
  { name: 'uart_format', test: 'test/format_test.c', sources: ['uart_format.c'] },
  { name: 'ring', test: 'test/ring_test.c', sources: ['ring.c'] },
];

for (const harness of harnesses) {
  test(`native serial ${harness.name}: compiles warning-free with gcc and its checks pass`, { skip }, () => {
    const out = mkdtempSync(path.join(tmpdir(), 'airboot-native-'));
    try {
      const binary = path.join(out, harness.name);
      // -Werror -pedantic -std=c99: the same sources go through xtensa gcc on the device; keep them plain C99.
      const compile = spawnSync(
        'gcc',
        [
          '-std=c99',
          '-Wall',
          '-Wextra',
          '-Werror',
          '-pedantic',
          '-o',
          binary,
          harness.test,
          ...harness.sources,
        ],
        { cwd: native, encoding: 'utf8' },
      );
      assert.equal(compile.status, 0, `gcc failed:\n${compile.stderr}`);
      const run = spawnSync(binary, [], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(run.status, 0, `harness failed:\n${run.stdout}${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^${harness.name}: \\d+ checks, 0 failed$`, 'm'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}
