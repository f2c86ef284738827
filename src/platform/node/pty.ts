import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { lstatSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Log } from '../../io/contracts.js';
import { silentLog } from '../../io/contracts.js';
import { SerialPortError } from './errors.js';

export interface Pty {
  /** The symlink programs open (what the caller asked for, made absolute). */
  readonly path: string;
  /** The pty slave it points to, e.g. /dev/pts/3. */
  readonly device: string;
  /** Bytes programs write to the pty. */
  readonly input: Readable;
  /** Bytes written here come out of the pty to the program that has it open. */
  readonly output: Writable;
  /** Resolves when socat has exited (by close() or on its own), with its exit code. */
  readonly exited: Promise<number | null>;
  /** Stop socat, which removes the symlink. */
  close(): Promise<void>;
}

/** How long socat may take to create the pty, ms. */
const START_TIMEOUT_MS = 5000;

/**
 * Make a pseudo-terminal whose slave is symlinked at `linkPath`, so that serial programs (stm32flash, minicom,
 * pyserial) can open it like a UART; its master side is the returned stream pair. Node cannot open a pty by itself,
 * so Debian's `socat` does it (`socat pty,link=PATH,raw,echo=0 STDIO`), with its stdio as our pipes. socat stays up
 * while programs open and close the slave, and exits (removing the link) when we close its stdin or kill it, and
 * also when this process dies, because its stdin then reaches EOF.
 *
 * A pty has no modem lines and drops the parity flag (see the "pty trap" in the reference notes): clients must run
 * at 8N1 (`stm32flash -m 8n1`), and whoever serves the pty frames bytes as its UART needs.
 */
export function openPty(linkPath: string, options: { log?: Log } = {}): Promise<Pty> {
  const log = options.log ?? silentLog;
  const target = path.resolve(linkPath);
  const existing = lstatOrUndefined(target);
  if (existing && !existing.isSymbolicLink()) {
    // socat would delete whatever is there; never let a typo eat a file.
    return Promise.reject(
      new SerialPortError(
        'PTY',
        target,
        `${target} exists and is not a symlink; not replacing it`,
        'choose another path, e.g. /tmp/ttySTM32',
      ),
    );
  }
  return new Promise((resolve, reject) => {
    let child: ChildProcessByStdio<Writable, Readable, Readable>;
    try {
      child = spawn('socat', ['-d', '-d', `pty,link=${target},raw,echo=0`, 'STDIO'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(missingSocat(target, error as Error));
      return;
    }
    let device = '';
    let started = false;
    let diagnostics = '';
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const killOnExit = () => child.kill('SIGTERM');
    process.once('exit', killOnExit);
    exited.then(() => process.off('exit', killOnExit));

    const timeout = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new SerialPortError('PTY', target, 'socat did not create the pty in time', undefined, diagnostics),
      );
    }, START_TIMEOUT_MS);

    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timeout);
      reject(error.code === 'ENOENT' ? missingSocat(target, error) : ptyFailure(target, error.message));
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      for (const line of text.split('\n')) {
        if (!line) continue;
        const named = /PTY is (\S+)/.exec(line);
        if (named) device = named[1]!;
        if (!started) diagnostics += `${line}\n`;
        if (/ E /.test(line)) log('error', `socat: ${line}`);
        else log('debug', `socat: ${line}`);
        // "starting data transfer loop": both sides are open and the link is in place.
        if (!started && /starting data transfer loop/.test(line)) {
          started = true;
          clearTimeout(timeout);
          resolve({
            path: target,
            device,
            input: child.stdout,
            output: child.stdin,
            exited,
            close: async () => {
              if (child.exitCode === null && child.signalCode === null) {
                child.stdin.end();
                child.kill('SIGTERM');
              }
              await exited;
            },
          });
        }
      }
    });
    exited.then((code) => {
      if (started) return;
      clearTimeout(timeout);
      reject(ptyFailure(target, `socat exited with code ${code}: ${diagnostics.trim()}`));
    });
  });
}

function lstatOrUndefined(file: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

function missingSocat(target: string, error: Error): SerialPortError {
  return new SerialPortError(
    'PTY',
    target,
    'socat is needed to create a pty and was not found',
    'install socat (apt install socat) or use --tcp',
    error.message,
  );
}

function ptyFailure(target: string, detail: string): SerialPortError {
  return new SerialPortError('PTY', target, `cannot create a pty at ${target}`, undefined, detail);
}
