import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/test/node/support). */
export const ROOT = path.resolve(here, '../../../..');
export const AIRBOOT = path.join(ROOT, 'bin/airboot.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface AirbootRunOptions {
  timeoutMs?: number;
  /** Send `signal` once stderr matches `pattern` (e.g. Ctrl-C in the middle of a flash). */
  interrupt?: { pattern: RegExp; signal: NodeJS.Signals };
}

/** Run `airboot args…` to completion. */
export function airboot(args: readonly string[], options: AirbootRunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIRBOOT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    let interrupted = false;
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (options.interrupt && !interrupted && options.interrupt.pattern.test(stderr)) {
        interrupted = true;
        child.kill(options.interrupt.signal);
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `airboot ${args.join(' ')} still running after ${options.timeoutMs ?? 60_000} ms\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `airboot sim … --json`: what it announced, and how to stop it. */
export interface RunningSim {
  readonly listening: Record<string, unknown>;
  readonly child: ChildProcess;
  /** SIGINT, wait for the exit; returns the 'stopped' event (statistics) and the output. */
  stop(): Promise<{ code: number | null; stopped: Record<string, unknown> | undefined; stderr: string }>;
  /** stderr so far. */
  stderr(): string;
}

/** Start `airboot sim --json …args` and wait for its 'listening' event. */
export function startSim(args: readonly string[]): Promise<RunningSim> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIRBOOT, 'sim', '--json', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const events: Array<Record<string, unknown>> = [];
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      let newline = stdout.indexOf('\n');
      while (newline >= 0) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        newline = stdout.indexOf('\n');
        if (!line.trim()) continue;
        const event = JSON.parse(line) as Record<string, unknown>;
        events.push(event);
        if (event.event === 'listening') {
          resolve({
            listening: event,
            child,
            stderr: () => stderr,
            stop: async () => {
              if (child.exitCode === null) child.kill('SIGINT');
              const code = await exited;
              return { code, stopped: events.find((e) => e.event === 'stopped'), stderr };
            },
          });
        }
      }
    });
    exited.then((code) => reject(new Error(`airboot sim exited (${code}) before listening:\n${stderr}`)));
  });
}

/** Intel HEX text for `data` at `address`: 16-byte data records, extended linear address records, EOF. */
export function intelHex(data: Uint8Array, address: number): string {
  const lines: string[] = [];
  const record = (type: number, offset: number, bytes: ArrayLike<number>) => {
    const body = [bytes.length, (offset >> 8) & 0xff, offset & 0xff, type, ...Array.from(bytes)];
    const sum = body.reduce((a, b) => a + b, 0);
    body.push((0x100 - (sum & 0xff)) & 0xff);
    lines.push(`:${body.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('')}`);
  };
  let upper = -1;
  for (let i = 0; i < data.length; i += 16) {
    const at = address + i;
    if (at >>> 16 !== upper) {
      upper = at >>> 16;
      record(0x04, 0, [(upper >> 8) & 0xff, upper & 0xff]);
    }
    record(0x00, at & 0xffff, data.subarray(i, Math.min(i + 16, data.length)));
  }
  record(0x01, 0, []);
  return `${lines.join('\n')}\n`;
}

/** Deterministic pseudo-random bytes (xorshift32), so a failing run can be repeated. */
export function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
