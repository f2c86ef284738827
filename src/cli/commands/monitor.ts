import { Command, Option } from 'commander';
import type WebSocket from 'ws';
import { RemoteError } from '../remote/errors.js';
import type { RemoteHost } from '../remote/host.js';
import { addRequiredHostOption } from '../remote/host-option.js';
import { openSerialSocket } from '../remote/serial-socket.js';

type LineEnding = 'cr' | 'lf' | 'crlf';

interface MonitorOptions {
  host: RemoteHost;
  echo?: boolean;
  eol: LineEnding;
  raw?: boolean;
}

/** Ctrl-] (GS, 0x1D): quits, as in telnet; it is never sent to the target. */
const QUIT_BYTE = 0x1d;
const CR = 0x0d;
const LF = 0x0a;
const EOL_BYTES: Record<LineEnding, Uint8Array> = {
  cr: Uint8Array.of(CR),
  lf: Uint8Array.of(LF),
  crlf: Uint8Array.of(CR, LF),
};
/** Pipe mode: after stdin ends, wait until the UART has been quiet this long (ms) before closing… */
const DRAIN_QUIET_MS = 300;
/** …but no longer than this in total (ms). */
const DRAIN_MAX_MS = 3000;

/** `airboot monitor --host H`: a console to the target's UART through the service's WebSocket terminal. */
export function monitorCommand(): Command {
  return addRequiredHostOption(
    new Command('monitor')
      .description(
        "console to the target's UART through an airboot service (Ctrl-] quits); " +
          'with stdin not a terminal, sends stdin and prints the output until stdin ends',
      )
      .option('--echo', 'show what you type (the target usually echoes by itself)')
      .addOption(
        new Option('--eol <ending>', 'what Enter (or a newline of piped input) sends')
          .choices(['cr', 'lf', 'crlf'])
          .default('cr'),
      )
      .option('--raw', 'send input bytes exactly as they are: no Enter/newline translation'),
  ).action((options: MonitorOptions) => runMonitor(options));
}

async function runMonitor(options: MonitorOptions): Promise<void> {
  let lastOutput = Date.now();
  const socket = await openSerialSocket(options.host, (data, isBinary) => {
    const bytes = toBytes(data);
    if (isBinary) {
      lastOutput = Date.now();
      process.stdout.write(bytes);
    } else {
      // Text frames are the service's notices (flash started/ended), not UART output.
      process.stderr.write(`\r\n[airboot] ${Buffer.from(bytes).toString('utf8').trimEnd()}\r\n`);
    }
  });
  if (socket.readyState !== socket.OPEN) {
    throw new RemoteError(
      'REMOTE_UNREACHABLE',
      `the terminal connection to ${options.host.baseUrl} closed right after it opened`,
      options.host.baseUrl,
    );
  }

  const interactive = process.stdin.isTTY === true;
  let closedByUs = false;

  const closed = new Promise<void>((resolve, reject) => {
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => {
      if (closedByUs) resolve();
      else {
        const why = reason.length > 0 ? `: ${reason.toString('utf8')}` : code ? ` (code ${code})` : '';
        reject(
          new RemoteError(
            'REMOTE_UNREACHABLE',
            `the terminal connection to ${options.host.baseUrl} was closed by the other end${why}`,
            options.host.baseUrl,
          ),
        );
      }
    });
  });

  const quit = () => {
    if (closedByUs) return;
    closedByUs = true;
    socket.close(1000, 'bye');
    // A peer that never answers the close must not keep us here.
    setTimeout(() => socket.terminate(), 1000).unref();
  };

  const translate = (chunk: Uint8Array): Uint8Array => {
    if (options.raw) return chunk;
    // Enter gives CR in raw TTY mode; piped text has LF line ends. Either becomes the chosen ending.
    const from = interactive ? CR : LF;
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === from) out.push(...EOL_BYTES[options.eol]);
      else out.push(byte);
    }
    return Uint8Array.from(out);
  };

  const send = (bytes: Uint8Array) => {
    if (bytes.length === 0 || closedByUs) return;
    socket.send(bytes, { binary: true });
    if (options.echo)
      process.stdout.write(
        Buffer.from(bytes)
          .toString('latin1')
          .replace(/\r(?!\n)/g, '\r\n'),
      );
  };

  if (interactive) {
    process.stderr.write(`connected to ${options.host.baseUrl}/ws/serial — Ctrl-] quits\r\n`);
    process.stdin.setRawMode(true);
    process.stdin.on('data', (chunk: Buffer) => {
      const quitAt = chunk.indexOf(QUIT_BYTE);
      send(translate(quitAt >= 0 ? chunk.subarray(0, quitAt) : chunk));
      if (quitAt >= 0) quit();
    });
    process.stdin.resume();
  } else {
    process.stdin.on('data', (chunk: Buffer) => send(translate(chunk)));
    process.stdin.once('end', () => {
      const ended = Date.now();
      const check = () => {
        const now = Date.now();
        if (now - lastOutput >= DRAIN_QUIET_MS || now - ended >= DRAIN_MAX_MS) quit();
        else setTimeout(check, 50);
      };
      setTimeout(check, DRAIN_QUIET_MS);
    });
    process.stdin.resume();
  }

  try {
    await closed;
  } finally {
    if (interactive) process.stdin.setRawMode(false);
    process.stdin.pause();
    if (interactive) process.stderr.write('\r\ndisconnected\r\n');
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
