import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { type FakeService, startFakeService } from './remote-support.js';
import { AIRBOOT, airboot, intelHex, randomBytes } from './support/cli.js';

// The remote commands as a user runs them (the real bin/airboot.js in a child process) against a fake service that
// follows the API contract: what they print, their exit codes, and what reached the service.
const dir = mkdtempSync(path.join(tmpdir(), 'airboot-remote-'));
const image = randomBytes(6 * 1024, 0xb0a7);
const goodHex = path.join(dir, 'app.hex');
const badHex = path.join(dir, 'bad.hex');
let service: FakeService;
let host: string;

before(async () => {
  writeFileSync(goodHex, intelHex(image, 0x0800_0000));
  const lines = intelHex(image, 0x0800_0000).split('\n');
  lines[1] = `${lines[1]!.slice(0, -2)}00`; // a wrong checksum on the first data record
  writeFileSync(badHex, lines.join('\n'));
  service = await startFakeService();
  host = `127.0.0.1:${service.port}`;
});

after(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A TCP port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('flash --host: parses locally, uploads, shows progress per phase, exit 0 when written and verified', async () => {
  const before = service.requests.length;
  const run = await airboot(['flash', goodHex, '--host', host]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /app\.hex: Intel HEX, 6\.0 KiB/);
  // Not a TTY: the line display prints each phase at 25 % steps, up to 100 %.
  assert.match(run.stderr, /^erase: 100% \(8\/8\)$/m);
  assert.match(run.stderr, /^write: 100% \(6\.0\/6\.0 KiB\)$/m);
  assert.match(run.stderr, /^verify: 100%/m);
  assert.match(
    run.stdout,
    /STM32F103C8 via http:\/\/127\.0\.0\.1:\d+ \(job \d+\): wrote 6\.0 KiB, .*verified \(read-back\)/,
  );
  const upload = service.requests.slice(before).find((request) => request.method === 'POST');
  assert.ok(upload, 'an upload was made');
  assert.match(upload.url, /^\/api\/flash\?name=app\.hex&wait=0&verify=1&go=0&skipUnchanged=0$/);
  // The raw file went up, not the parsed image: the service parses it again (contract: validated before flashing).
  assert.equal(upload.bodyBytes, intelHex(image, 0x0800_0000).length);
});

test('flash --host --json --no-verify --erase-all --go: one JSON result; the options reach the service', async () => {
  const before = service.requests.length;
  const run = await airboot([
    'flash',
    goodHex,
    '--host',
    `http://${host}`,
    '--json',
    '--no-verify',
    '--erase-all',
    '--go',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim());
  assert.equal(result.ok, true);
  assert.equal(result.verified, false);
  assert.equal(result.bytesWritten, image.length);
  assert.equal(result.left, 'go');
  assert.equal(result.host, `http://${host}`);
  assert.match(run.stderr, /NOT verified/);
  assert.doesNotMatch(run.stderr, /write: /, '--json shows no progress');
  const upload = service.requests.slice(before).find((request) => request.method === 'POST')!;
  assert.match(upload.url, /verify=0&go=1&skipUnchanged=0&erase=all$/);
});

test('flash --host without an event stream: the job is polled to its end, exit 0', async () => {
  const plain = await startFakeService({ noEvents: true, stepMs: 100 });
  try {
    const run = await airboot(['flash', goodHex, '--host', `127.0.0.1:${plain.port}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /verified \(read-back\)/);
    const polls = plain.requests.filter((request) => request.url === '/api/flash/1');
    assert.ok(polls.length >= 2, `polled ${polls.length} time(s)`);
  } finally {
    await plain.close();
  }
});

test('flash --host with a bad file: exit 2 and not one request reaches the service', async () => {
  const before = service.requests.length;
  const run = await airboot(['flash', badHex, '--host', host]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /checksum/i);
  assert.equal(service.requests.length, before);
});

test('flash with both --serial and --host is a usage error (exit 2)', async () => {
  const run = await airboot(['flash', goodHex, '--host', host, '--serial', '/dev/null']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /cannot be used with/);
});

test('flash --host while another job runs: 409 → exit 1, "another flash job is running"', async () => {
  const busy = await startFakeService({ hold: true });
  try {
    const first = await fetch(`http://127.0.0.1:${busy.port}/api/flash?name=a.hex&wait=0`, {
      method: 'POST',
      body: intelHex(image, 0x0800_0000),
    });
    assert.equal(first.status, 202);
    const run = await airboot(['flash', goodHex, '--host', `127.0.0.1:${busy.port}`]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /another flash job is running on http:\/\/127\.0\.0\.1:\d+ \(job 1 is flashing\)/,
    );
    assert.equal(busy.jobs.length, 1, 'no second job was started');
  } finally {
    busy.release();
    await busy.close();
  }
});

test('flash --host when the job fails on the service: its error code decides the exit code', async () => {
  const failing = await startFakeService({
    failWith: { code: 'VERIFY', message: 'verify failed at 0x08000400: wrote 0x12, read 0x10' },
  });
  try {
    const run = await airboot(['flash', goodHex, '--host', `127.0.0.1:${failing.port}`]);
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /flash job 1 on http:\/\/127\.0\.0\.1:\d+ failed: verify failed at 0x08000400/);
  } finally {
    await failing.close();
  }
  const silent = await startFakeService({ failWith: { code: 'TIMEOUT', message: 'no answer to 0x7F' } });
  try {
    const run = await airboot(['flash', goodHex, '--host', `127.0.0.1:${silent.port}`, '--json']);
    assert.equal(run.code, 4, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim()).error.code, 'TIMEOUT');
  } finally {
    await silent.close();
  }
});

test('an unreachable host: exit 3 with "connection refused" and a hint to discover', async () => {
  const port = await closedPort();
  const flash = await airboot(['flash', goodHex, '--host', `127.0.0.1:${port}`]);
  assert.equal(flash.code, 3, flash.stderr);
  assert.match(
    flash.stderr,
    /cannot reach airboot at http:\/\/127\.0\.0\.1:\d+: connection refused — is the service running\? try `airboot discover`/,
  );
  for (const args of [['info'], ['reset'], ['config', 'get'], ['monitor']]) {
    const run = await airboot([...args, '--host', `127.0.0.1:${port}`]);
    assert.equal(run.code, 3, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /connection refused/);
  }
});

test('reset, boot and run --host: one POST each, the service message printed', async () => {
  for (const action of ['boot', 'run', 'reset']) {
    const run = await airboot([action, '--host', host]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^${action}: done, target (bootloader|running)\\n$`));
  }
  assert.deepEqual(service.actions.slice(-3), ['boot', 'run', 'reset']);
  const json = await airboot(['boot', '--host', host, '--json']);
  assert.deepEqual(JSON.parse(json.stdout), { ok: true, message: 'boot: done, target bootloader' });
});

test('info --host: target state, chip, UART, clients, last flash; --json is the status as the service sent it', async () => {
  const run = await airboot(['info', '--host', host]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^target: +(running|bootloader)$/m);
  assert.match(run.stdout, /^chip: +STM32F103C8 \(PID 0x410, 64 KiB flash\)$/m);
  assert.match(run.stdout, /^uart: +115200 8N1$/m);
  assert.match(run.stdout, /^ +1 +raw +127\.0\.0\.1:50000: 1200 B out, 30 B in$/m);
  assert.match(run.stdout, /^last flash: +job \d+ app\.hex: succeeded, \d+ B written, (NOT )?verified$/m);
  const json = await airboot(['info', '--host', host, '--json']);
  const status = JSON.parse(json.stdout);
  assert.equal(status.uart.baud, 115200);
  assert.equal(status.target.chip.name, 'STM32F103C8');
});

test('config get / get NAME / set NAME=VALUE: typed values, secrets hidden', async () => {
  const all = await airboot(['config', 'get', '--host', host]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^uart\.baud += 115200$/m);
  assert.match(all.stdout, /^device\.name += "airboot"$/m);
  const set = await airboot(['config', 'set', 'uart.baud=57600', 'device.name=bench-1', '--host', host]);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'uart.baud = 57600\ndevice.name = "bench-1"\n');
  // Typed per field: the service stored a number, not the text "57600".
  assert.equal(service.settings['uart.baud'], 57600);
  const one = await airboot(['config', 'get', 'uart.baud', '--host', host, '--json']);
  assert.deepEqual(JSON.parse(one.stdout), { 'uart.baud': 57600 });
  const unknown = await airboot(['config', 'get', 'uart.speed', '--host', host]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /has no setting 'uart\.speed'/);
});

test('config set with invalid values: the 400 field errors are printed one per line, exit 2, nothing changed', async () => {
  const before = { ...service.settings };
  const run = await airboot([
    'config',
    'set',
    'uart.baud=12',
    'uart.format=9X9',
    'nonsense=1',
    '--host',
    host,
  ]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^airboot: uart\.baud: must be a whole baud rate from 300 to 4000000$/m);
  assert.match(run.stderr, /^airboot: uart\.format: must be a format such as 8N1/m);
  assert.match(run.stderr, /^airboot: nonsense: unknown setting/m);
  assert.match(run.stderr, /refused the settings \(3 error\(s\) above\); nothing was changed/);
  assert.deepEqual(service.settings, before);
  const notNumber = await airboot(['config', 'set', 'uart.baud=fast', '--host', host]);
  assert.equal(notNumber.code, 2);
  assert.match(notNumber.stderr, /uart\.baud: 'fast' is not a whole number/);
  const malformed = await airboot(['config', 'set', 'uart.baud', '--host', host]);
  assert.equal(malformed.code, 2);
  const missingHost = await airboot(['config', 'get']);
  assert.equal(missingHost.code, 2, 'a missing --host on a subcommand is a usage error too');
});

test('monitor --host with piped stdin: sends the lines, prints the output, exits at EOF', async () => {
  const child = spawn(process.execPath, [AIRBOOT, 'monitor', '--host', host, '--eol', 'crlf'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  child.stdin.end('hello airboot\nsecond line\n');
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`monitor did not exit\n${stderr}`)), 15_000);
    child.on('close', (exit) => {
      clearTimeout(timer);
      resolve(exit);
    });
  });
  assert.equal(code, 0, stderr);
  assert.equal(stdout, 'echo: hello airboot\r\necho: second line\r\n');
  assert.match(stderr, /\[airboot\] terminal attached/, 'text frames are notices on stderr');
});
