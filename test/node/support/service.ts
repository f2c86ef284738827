import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { AIRBOOT } from './cli.js';

/** `count` TCP ports free on 127.0.0.1 right now (bound once, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A running `airboot demo --json …` and the ports it announced. */
export interface RunningService {
  readonly ports: Record<string, number>;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Start `airboot <command> --json args…` and wait until it listens. */
export function startService(command: 'demo' | 'bridge', args: readonly string[]): Promise<RunningService> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIRBOOT, command, '--json', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      const event = JSON.parse(stdout.slice(0, newline)) as { event: string; ports: Record<string, number> };
      if (event.event !== 'listening') return;
      resolve({
        ports: event.ports,
        child,
        stderr: () => stderr,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGINT');
          return exited;
        },
      });
    });
    exited.then((code) =>
      reject(new Error(`airboot ${command} exited (${code}) before listening:\n${stderr}`)),
    );
  });
}

/** A TCP client that collects what it receives as text. */
export class TextClient {
  readonly socket: net.Socket;
  text = '';
  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.text += chunk;
    });
  }

  static connect(port: number): Promise<TextClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new TextClient(socket)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Wait until the received text matches `pattern`; rejects after `timeoutMs` with what did arrive. */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.text.match(pattern);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no ${pattern} within ${timeoutMs} ms; received: ${JSON.stringify(this.text)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
