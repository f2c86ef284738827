/**
 * A small HTTP server that follows the airboot API contract (/work/notes/api.md) closely enough for the remote CLI:
 * real image parsing and settings validation (the project's own modules), a flash job that advances through phases
 * on timers and reports over Server-Sent Events, a WebSocket terminal that echoes lines like the demo application.
 * Every request is recorded so tests can prove what was (not) sent.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ImageError, parseImage } from '../../src/image/index.js';
import { applyUpdate, defaultSettings, publicSettings, type Settings } from '../../src/service/settings.js';

export interface RecordedRequest {
  method: string;
  url: string;
  bodyBytes: number;
}

export interface FakeJob {
  id: number;
  state: 'running' | 'succeeded' | 'failed';
  source: string;
  imageBytes: number;
  progress: { phase: string; done: number; total: number; percent: number } | null;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  startedAt: number;
  endedAt: number | null;
}

export interface FakeServiceOptions {
  /** How a flash job ends: written and verified (default), or failed with this error code. */
  failWith?: { code: string; message: string };
  /** Hold every job 'running' until release() is called. */
  hold?: boolean;
  /** Milliseconds between progress steps (default 15). */
  stepMs?: number;
  /** Answer 404 on /api/flash/events, as a service without an event stream would. */
  noEvents?: boolean;
}

export interface FakeService {
  readonly port: number;
  readonly requests: RecordedRequest[];
  readonly jobs: FakeJob[];
  readonly settings: Settings;
  /** Target actions received, in order. */
  readonly actions: string[];
  /** Let held jobs finish. */
  release(): void;
  close(): Promise<void>;
}

const CHIP = { pid: 0x410, name: 'STM32F103C8', flashBytes: 64 * 1024 };

export async function startFakeService(options: FakeServiceOptions = {}): Promise<FakeService> {
  const requests: RecordedRequest[] = [];
  const jobs: FakeJob[] = [];
  const actions: string[] = [];
  let settings = defaultSettings();
  let targetState = 'running';
  const eventStreams = new Set<http.ServerResponse>();
  const held: Array<() => void> = [];
  let holding = options.hold === true;
  const stepMs = options.stepMs ?? 15;

  const send = (response: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
  };
  const broadcast = (event: string, job: FakeJob) => {
    for (const stream of eventStreams) stream.write(`event: ${event}\ndata: ${JSON.stringify(job)}\n\n`);
  };

  const runJob = (job: FakeJob, verify: boolean) => {
    const phases = [
      ['erase', 8],
      ['write', job.imageBytes],
      ['verify', verify ? job.imageBytes : 0],
    ] as const;
    const steps: Array<() => void> = [];
    for (const [phase, total] of phases) {
      for (let step = 1; step <= 4; step++) {
        steps.push(() => {
          const done = Math.round((total * step) / 4);
          job.progress = { phase, done, total, percent: total === 0 ? 100 : (done / total) * 100 };
          broadcast('progress', job);
        });
      }
    }
    const finish = () => {
      job.endedAt = Date.now();
      targetState = 'running';
      if (options.failWith) {
        job.state = 'failed';
        job.error = options.failWith;
      } else {
        job.state = 'succeeded';
        job.result = {
          chip: CHIP,
          bootloaderVersion: 0x22,
          bytesWritten: job.imageBytes,
          unitsErased: Math.ceil(job.imageBytes / 1024),
          unitsSkipped: 0,
          verified: verify,
          verifyMethod: verify ? 'read-back' : 'none',
          phases: { connect: 5, erase: 10, write: 20, verify: verify ? 12 : 0, go: 0 },
          totalMs: 47,
        };
      }
      broadcast('done', job);
    };
    const next = () => {
      const step = steps.shift();
      if (step) {
        step();
        setTimeout(next, stepMs);
      } else if (holding) held.push(finish);
      else finish();
    };
    setTimeout(next, stepMs);
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(request.url ?? '/', 'http://fake');
      requests.push({ method: request.method ?? '', url: request.url ?? '', bodyBytes: body.length });
      const route = `${request.method} ${url.pathname}`;
      if (route === 'GET /api/status') {
        const running = jobs.find((job) => job.state === 'running') ?? null;
        const last = [...jobs].reverse().find((job) => job.state !== 'running') ?? null;
        send(response, 200, {
          version: '0.1.0',
          name: settings['device.name'],
          target: { state: running ? 'flashing' : targetState, chip: jobs.length > 0 ? CHIP : null },
          uart: { baud: settings['uart.baud'], format: settings['uart.format'] },
          clients: [
            {
              id: 1,
              kind: 'raw',
              remote: '127.0.0.1:50000',
              toClientBytes: 1200,
              fromClientBytes: 30,
              droppedBytes: 0,
              refusedBytes: 0,
            },
          ],
          flash: { running, last },
        });
      } else if (route === 'GET /api/settings') {
        send(response, 200, { settings: publicSettings(settings) });
      } else if (route === 'PUT /api/settings') {
        let update: unknown;
        try {
          update = JSON.parse(body.toString('utf8'));
        } catch {
          send(response, 400, { error: 'BAD_JSON', message: 'the body is not JSON' });
          return;
        }
        const outcome = applyUpdate(settings, update);
        if (outcome.errors) {
          send(response, 400, {
            error: 'INVALID_SETTINGS',
            message: `${outcome.errors.length} invalid setting(s)`,
            errors: outcome.errors,
          });
          return;
        }
        settings = outcome.settings;
        send(response, 200, { settings: publicSettings(settings) });
      } else if (/^POST \/api\/target\/(reset|boot|run)$/.test(route)) {
        const action = url.pathname.slice('/api/target/'.length);
        if (jobs.some((job) => job.state === 'running')) {
          send(response, 409, { error: 'TARGET_BUSY', message: 'a flash job is running' });
          return;
        }
        actions.push(action);
        targetState = action === 'boot' ? 'bootloader' : 'running';
        send(response, 200, { ok: true, message: `${action}: done, target ${targetState}` });
      } else if (route === 'POST /api/flash') {
        if (jobs.some((job) => job.state === 'running')) {
          send(response, 409, { error: 'BUSY', message: `job ${jobs.at(-1)!.id} is flashing` });
          return;
        }
        const address = url.searchParams.get('address');
        let dataBytes: number;
        try {
          const parsed = parseImage(body, {
            name: url.searchParams.get('name') ?? undefined,
            baseAddress: address ? Number(address) : undefined,
          });
          dataBytes = parsed.image.segments.reduce((sum, segment) => sum + segment.data.length, 0);
        } catch (error) {
          if (!(error instanceof ImageError)) throw error;
          send(response, 400, { error: error.code, message: error.message });
          return;
        }
        const job: FakeJob = {
          id: jobs.length + 1,
          state: 'running',
          source: url.searchParams.get('name') ?? 'upload',
          imageBytes: dataBytes,
          progress: null,
          result: null,
          error: null,
          startedAt: Date.now(),
          endedAt: null,
        };
        jobs.push(job);
        targetState = 'flashing';
        runJob(job, url.searchParams.get('verify') !== '0');
        send(response, 202, job);
      } else if (route === 'GET /api/flash/events' && !options.noEvents) {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        response.write(': airboot events\n\n');
        eventStreams.add(response);
        response.on('close', () => eventStreams.delete(response));
      } else if (request.method === 'GET' && url.pathname.startsWith('/api/flash/')) {
        const job = jobs.find(
          (candidate) => String(candidate.id) === url.pathname.slice('/api/flash/'.length),
        );
        if (job) send(response, 200, job);
        else send(response, 404, { error: 'NOT_FOUND', message: 'no such job' });
      } else {
        send(response, 404, { error: 'NOT_FOUND', message: `no route ${route}` });
      }
    });
  });

  // /ws/serial: a terminal whose "UART" echoes each line back as the demo app does, plus a text notice at start.
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    requests.push({ method: 'GET', url: request.url ?? '', bodyBytes: 0 });
    if (request.url !== '/ws/serial') {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => {
      client.send('terminal attached', { binary: false });
      let line = '';
      client.on('message', (data: Buffer) => {
        for (const char of data.toString('latin1')) {
          if (char === '\r' || char === '\n') {
            if (line !== '') client.send(Buffer.from(`echo: ${line}\r\n`, 'latin1'), { binary: true });
            line = '';
          } else line += char;
        }
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    jobs,
    get settings() {
      return settings;
    },
    actions,
    release() {
      holding = false;
      for (const finish of held.splice(0)) finish();
    },
    async close() {
      for (const stream of eventStreams) stream.end();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
