/**
 * Runs the device firmware's tests (test/device/*.test.ts) on the XS engine, as tools/test-xs.ts runs the portable
 * ones (tools/xs-suite.ts). The firmware imports Moddable's modules (`embedded:io/…`, `timer`, `wifi`,
 * `airboot/serial`, …); tools/device-bundle.ts resolves each to the fake of the same name in test/device/fakes,
 * which play a simulated STM32, an in-memory network and flash.
 *
 *   node dist/tools/test-device.js [FILTER]
 */
import '@endo/init';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deviceTests, fakes } from './device-bundle.js';
import { runXsSuite } from './xs-suite.js';

const filter = process.argv[2];
process.exitCode = await runXsSuite({
  tag: 'xs device',
  summaryName: 'device',
  description: 'XS engine, device firmware with fake Moddable modules',
  files: fs
    .readdirSync(deviceTests)
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => path.join(deviceTests, name))
    .filter((file) => !filter || file.includes(filter))
    .sort(),
  preludes: [path.join(fakes, 'globals.ts')],
  deviceFakes: true,
});
