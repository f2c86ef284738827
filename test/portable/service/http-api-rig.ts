/**
 * The HTTP API end to end, on both engines: a simulated blue pill (bridge-rig) behind a UartHub, FlashService and
 * HubControlTarget, the API router on an HttpServer over the in-memory network, and small clients that speak
 * HTTP/1.1, Server-Sent Events and WebSocket to it as a browser or curl would.
 */
import type { MemoryImage } from '../../../src/image/memory-image.js';
import type { TcpSocket } from '../../../src/io/contracts.js';
import { LoopbackNetwork } from '../../../src/io/loopback-net.js';
import { encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { HttpServer } from '../../../src/net/http/server.js';
import { encodeMaskedFrame, Opcode } from '../../../src/net/websocket/frame.js';
import { WebSocketFrameParser } from '../../../src/net/websocket/frame-parser.js';
import { HubControlTarget } from '../../../src/service/control-target.js';
import { FlashService } from '../../../src/service/flash-service.js';
import { type ApiContext, createApiRouter } from '../../../src/service/http-api.js';
import { MemoryStorage, SettingsStore } from '../../../src/service/settings.js';
import type { UartHubOptions } from '../../../src/service/uart-hub.js';
import { demoFirmware } from '../../../src/sim/demo-firmware.js';
import { FLASH_BASE } from '../../../src/stm32/chips.js';
import { type ParsedResponse, parseResponses } from '../net/http-client-support.js';
import { bytes, concat, text } from '../net/http-test-support.js';
import { simRig } from './bridge-rig.js';

export const VERSION = '0.9.0-test';

export function apiRig(
  options: { hub?: Partial<UartHubOptions>; api?: Partial<ApiContext>; httpCapacity?: number } = {},
) {
  const sim = simRig(options.hub);
  const { clock, hub, target, boot0, nrst } = sim;
  const flashes = new FlashService({ hub, target, timer: clock, afterJob: () => control.markRunning() });
  const control = new HubControlTarget({
    hub,
    target,
    version: VERSION,
    boot0,
    nrst,
    bootloaderBaud: 115200,
  });
  const settings = new SettingsStore(new MemoryStorage());
  const router = createApiRouter({
    hub,
    control,
    flashes,
    settings,
    name: () => settings.settings['device.name'],
    version: VERSION,
    timer: clock,
    ...options.api,
  });
  const network = new LoopbackNetwork(clock, { capacity: options.httpCapacity ?? 16 * 1024 });
  const server = new HttpServer({ listen: network.listen, port: 0, timer: clock, handler: router.handler });

  /** One request on its own connection (Connection: close); settles with the response once the server closed. */
  const request = (
    method: string,
    path: string,
    body?: Uint8Array | string,
    headers: string[] = [],
  ): Promise<ParsedResponse> => {
    const client = new RawClient(network, server.port);
    const payload = body === undefined ? undefined : typeof body === 'string' ? encodeUtf8(body) : body;
    const fields = ['Host: airboot.test', 'Connection: close', ...headers];
    const chunked = headers.some((field) => /^transfer-encoding:/i.test(field));
    if (payload && !chunked) fields.push(`Content-Length: ${payload.length}`);
    client.send(`${method} ${path} HTTP/1.1\r\n${fields.join('\r\n')}\r\n\r\n`);
    if (payload) client.send(payload);
    return client.ended.then(() => {
      const responses = parseResponses(client.received);
      if (responses.length !== 1) throw new Error(`expected one response, got ${responses.length}`);
      return responses[0]!;
    });
  };

  /** A request, run on the virtual clock to its answer. */
  const call = (method: string, path: string, body?: Uint8Array | string, headers?: string[]) =>
    clock.run(request(method, path, body, headers));

  /** What the simulated chip's main flash holds, the first `size` bytes. */
  const flashContent = (size = 4096) => sim.chip.flash.read(FLASH_BASE, size);

  return { ...sim, flashes, control, settings, router, network, server, request, call, flashContent };
}

export type ApiRig = ReturnType<typeof apiRig>;

/** A TCP client that writes through the bounded window as it opens and keeps everything it receives. */
export class RawClient {
  readonly socket: TcpSocket;
  private readonly chunks: Uint8Array[] = [];
  private readonly outgoing: Uint8Array[] = [];
  closed = false;
  /** While true nothing is read: the server's output backs up as behind a stalled browser. */
  paused = false;
  /** Settles when the server closed the connection (or reset it). */
  readonly ended: Promise<void>;
  onData: (() => void) | undefined;

  constructor(network: LoopbackNetwork, port: number) {
    let finish: () => void = () => {};
    this.ended = new Promise((resolve) => {
      finish = resolve;
    });
    const end = () => {
      this.closed = true;
      finish();
    };
    const socket = network.connect(port, {
      onReadable: () => this.readAll(),
      onWritable: () => this.pump(),
      onClose: end,
      onError: end,
    });
    this.socket = socket;
  }

  get received(): Uint8Array {
    return concat(...this.chunks);
  }

  /** Start reading again after `paused`. */
  resume(): void {
    this.paused = false;
    this.readAll();
  }

  private readAll(): void {
    if (this.paused) return;
    for (let chunk = this.socket.read(); chunk; chunk = this.socket.read()) this.chunks.push(chunk);
    this.onData?.();
  }

  send(data: Uint8Array | string): void {
    this.outgoing.push(typeof data === 'string' ? bytes(data) : data);
    this.pump();
  }

  private pump(): void {
    while (this.outgoing.length > 0 && !this.closed) {
      const first = this.outgoing[0]!;
      try {
        this.socket.write(first);
        this.outgoing.shift();
      } catch (error) {
        const room = (error as { room?: number }).room ?? 0;
        if (room <= 0) return;
        this.socket.write(first.subarray(0, room));
        this.outgoing[0] = first.subarray(room);
      }
    }
  }
}

/** Server-Sent Events as received on a RawClient: name and data of each complete event. */
export function serverSentEvents(received: Uint8Array): Array<{ event: string; data: string }> {
  const events: Array<{ event: string; data: string }> = [];
  const pattern = /event: ([^\n]*)\n(?:id: [^\n]*\n)?data: ([^\n]*)\n\n/g;
  const all = text(received);
  for (let found = pattern.exec(all); found; found = pattern.exec(all)) {
    events.push({ event: found[1]!, data: found[2]! });
  }
  return events;
}

const MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** A WebSocket client over a RawClient: the opening handshake, masked frames out, frames in. */
export class WsTestClient {
  readonly raw: RawClient;
  /** Binary messages (UART output) joined, and text messages (notices) in order. */
  binary: Uint8Array[] = [];
  texts: string[] = [];
  closeCode: number | undefined;
  closeReason = '';
  status = 0;
  private headDone = false;
  private parsed = 0;
  private readonly parser: WebSocketFrameParser;
  private opcode = 0;
  private parts: Uint8Array[] = [];

  constructor(network: LoopbackNetwork, port: number, path = '/ws/serial') {
    this.raw = new RawClient(network, port);
    this.parser = new WebSocketFrameParser({
      role: 'client',
      onMessageStart: (opcode) => {
        this.opcode = opcode;
        this.parts = [];
      },
      onData: (chunk) => this.parts.push(chunk.slice()),
      onMessageEnd: () => {
        const message = concat(...this.parts);
        if (this.opcode === Opcode.Binary) this.binary.push(message);
        else this.texts.push(text(message)); // the notices are ASCII
      },
      onClose: (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason;
      },
      onError: (error) => {
        throw error;
      },
    });
    this.raw.onData = () => this.take();
    this.raw.send(
      `GET ${path} HTTP/1.1\r\nHost: airboot.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  }

  /** UART output received so far, as text (one character per byte). */
  get output(): string {
    return text(concat(...this.binary));
  }

  sendText(message: string): void {
    this.raw.send(encodeMaskedFrame(Opcode.Text, message, MASK));
  }

  sendBinary(message: Uint8Array): void {
    this.raw.send(encodeMaskedFrame(Opcode.Binary, message, MASK));
  }

  close(): void {
    this.raw.send(encodeMaskedFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8), MASK));
  }

  private take(): void {
    const all = this.raw.received;
    if (!this.headDone) {
      const end = text(all).indexOf('\r\n\r\n');
      if (end < 0) return;
      this.status = Number(text(all.subarray(9, 12)));
      this.headDone = true;
      this.parsed = end + 4;
    }
    if (all.length > this.parsed) {
      this.parser.push(all.subarray(this.parsed));
      this.parsed = all.length;
    }
  }
}

/** An Intel HEX file of `data` at `address`: 04 extended linear address records, 16-byte data records, EOF. */
export function intelHex(address: number, data: Uint8Array): string {
  const lines: string[] = [];
  const record = (type: number, offset: number, payload: number[]) => {
    const fields = [payload.length, (offset >> 8) & 0xff, offset & 0xff, type, ...payload];
    const sum = fields.reduce((total, value) => total + value, 0);
    fields.push((0x100 - (sum & 0xff)) & 0xff);
    lines.push(`:${fields.map((value) => value.toString(16).toUpperCase().padStart(2, '0')).join('')}`);
  };
  let upper = -1;
  for (let at = 0; at < data.length; at += 16) {
    const absolute = address + at;
    if (absolute >>> 16 !== upper) {
      upper = absolute >>> 16;
      record(4, 0, [(upper >> 8) & 0xff, upper & 0xff]);
    }
    record(0, absolute & 0xffff, Array.from(data.subarray(at, Math.min(at + 16, data.length))));
  }
  record(1, 0, []);
  return `${lines.join('\r\n')}\r\n`;
}

/** A demo application image different from the one the rig starts with, and its bytes. */
export function newFirmware(label: string): { image: MemoryImage; data: Uint8Array } {
  const image = demoFirmware(label);
  return { image, data: image.read(FLASH_BASE, image.size) };
}

/** A multipart/form-data body with the file in the "file" field (and an unrelated field before it). */
export function multipartBody(
  boundary: string,
  filename: string,
  data: Uint8Array,
): { body: Uint8Array; contentType: string } {
  const body = concat(
    bytes(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nfrom the test\r\n`),
    bytes(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    data,
    bytes(`\r\n--${boundary}--\r\n`),
  );
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
