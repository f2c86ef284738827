/**
 * The proof that the simulator is a faithful STM32 bootloader: Debian's stm32flash 0.7, an independent AN3155
 * client, identifies, writes, verifies, reads back and erases a simulated chip over a pty (`airboot sim --pty`).
 * A pty cannot carry parity, so stm32flash runs with `-m 8n1` (reference notes, "The pseudo-terminal trap").
 * The simulator runs with timing on (wire time at 115200, flash programming and erase times): each chip takes
 * about 25–45 s, and the two chips run side by side.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { randomBytes, startSim } from './support/cli.js';
import { skipUnless } from './support/tools.js';

const skip = skipUnless('stm32flash', 'socat');
const dir = mkdtempSync(path.join(tmpdir(), 'airboot-stm32flash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const IMAGE_BYTES = 64 * 1024;

interface Outcome {
  code: number | null;
  output: string;
}

/** Run stm32flash at 115200 8N1 on `tty` with `args`. */
function stm32flash(tty: string, args: readonly string[], timeoutMs = 60_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('stm32flash', ['-b', '115200', '-m', '8n1', ...args, tty], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stm32flash ${args.join(' ')} took over ${timeoutMs} ms:\n${tail(output)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The end of a long stm32flash log (its progress lines are many). */
function tail(text: string): string {
  return text.length > 1500 ? `…${text.slice(-1500)}` : text;
}

function expectSuccess(step: string, outcome: Outcome): void {
  assert.equal(outcome.code, 0, `${step} failed:\n${tail(outcome.output)}`);
}

async function session(model: string, pid: number, seed: number): Promise<void> {
  const tty = path.join(dir, `tty${model}`);
  const sim = await startSim(['--chip', model, '--pty', tty, '--timing']);
  try {
    const started = Date.now();
    const range = ['-S', `0x08000000:${IMAGE_BYTES}`];

    const id = await stm32flash(tty, []);
    expectSuccess('identify', id);
    assert.match(id.output, new RegExp(`Device ID\\s*: 0x0${pid.toString(16)}`));
    assert.match(id.output, /Interface serial_posix: 115200 8N1/);

    const image = randomBytes(IMAGE_BYTES, seed);
    const imageFile = path.join(dir, `${model}.bin`);
    writeFileSync(imageFile, image);
    const write = await stm32flash(tty, ['-w', imageFile, '-v']);
    expectSuccess('write + verify', write);
    assert.match(write.output, /Wrote and verified address 0x08010000 \(100\.00%\)/);

    const readFile = path.join(dir, `${model}-read.bin`);
    expectSuccess('read back', await stm32flash(tty, [...range, '-r', readFile]));
    assert.deepEqual(new Uint8Array(readFileSync(readFile)), image, 'read-back equals the image');

    expectSuccess('mass erase', await stm32flash(tty, ['-o']));
    const erasedFile = path.join(dir, `${model}-erased.bin`);
    expectSuccess('read after erase', await stm32flash(tty, [...range, '-r', erasedFile]));
    const erased = new Uint8Array(readFileSync(erasedFile));
    assert.equal(erased.length, IMAGE_BYTES);
    assert.equal(
      erased.findIndex((byte) => byte !== 0xff),
      -1,
      'every byte reads 0xFF after the erase',
    );
    console.log(`${model}: stm32flash session took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    const { stopped } = await sim.stop();
    const stats = stopped?.stats as { programmingViolations?: number } | undefined;
    assert.equal(stats?.programmingViolations, 0, 'stm32flash never programmed a cell that was not erased');
  }
}

test('stm32flash 0.7 against airboot sim --pty', { skip, concurrency: true, timeout: 240_000 }, async (t) => {
  await Promise.all([
    t.test('F103C8 (PID 0x410): id, write+verify 64 KiB, read back, erase', () =>
      session('F103C8', 0x410, 11),
    ),
    t.test('F407VG (PID 0x413): id, write+verify 64 KiB, read back, erase', () =>
      session('F407VG', 0x413, 22),
    ),
  ]);
});
