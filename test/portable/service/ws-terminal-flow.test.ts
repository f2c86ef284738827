/**
 * The WebSocket terminal under bulk input, on both engines: a browser sends far more than the UART can take at
 * once, in large messages, and TCP flow control — not a queue in the server, not refusal — holds it back. The UART
 * is a SerialLink at 921600 baud with an echo device on the far end, so every byte's way is checked both ways.
 */
import { UART_8N1 } from '../../../src/io/contracts.js';
import { LoopbackNetwork, type LoopbackSocket } from '../../../src/io/loopback-net.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { Router } from '../../../src/net/http/router.js';
import { HttpServer } from '../../../src/net/http/server.js';
import { encodeMaskedFrame, Opcode } from '../../../src/net/websocket/frame.js';
import { WebSocketFrameParser } from '../../../src/net/websocket/frame-parser.js';
import { UartHub, type UartHubOptions } from '../../../src/service/uart-hub.js';
import { openSerialTerminal, type SerialTerminal } from '../../../src/service/ws-terminal.js';
import { equal, ok } from '../assert.js';
import { test } from '../harness.js';
import { EchoDevice } from './echo-device.js';

const BAUD = 921_600;
const MASK = Uint8Array.of(0x5a, 0x01, 0xc3, 0x7e);
const HTTP_READ_CHUNK = 2048;
const FRAME_BYTES = 1024;

/** A terminal on a hub whose UART is wired to an echo device, served over a loopback network. */
function echoRig(hubOptions: Partial<UartHubOptions> = {}) {
  const clock = new VirtualClock();
  const settings = { ...UART_8N1, baud: BAUD };
  const link = new SerialLink(clock, { timing: true, chunkBytes: 256 });
  const device = new EchoDevice(link.b, settings);
  const hub = new UartHub({ provider: link.a, settings, timer: clock, ...hubOptions });
  hub.open();
  const network = new LoopbackNetwork(clock);
  const terminals: SerialTerminal[] = [];
  const router = new Router();
  router.get('/ws/serial', ({ request }, response) => {
    const terminal = openSerialTerminal(response, request.remoteAddress, {
      hub,
      timer: clock,
      frameBytes: FRAME_BYTES,
    });
    if (terminal) terminals.push(terminal);
  });
  const server = new HttpServer({
    listen: network.listen,
    port: 0,
    timer: clock,
    handler: router.handler,
    readChunkBytes: HTTP_READ_CHUNK,
  });
  return { clock, device, hub, network, server, terminals };
}

/**
 * A browser-like WebSocket client: writes masked frames as fast as the TCP window lets it (what does not fit waits
 * here, on the client, as in a browser's send buffer) and keeps a running record of the binary frames received.
 */
class BulkClient {
  readonly socket: LoopbackSocket;
  private readonly outgoing: Uint8Array[] = [];
  /** Bytes the client wants to send that the window has not taken yet. */
  unsentBytes = 0;
  /** UART output received, in order. */
  private readonly output: Uint8Array[] = [];
  outputBytes = 0;
  upgraded = false;
  private head = '';
  private readonly parser: WebSocketFrameParser;
  private opcode = 0;

  constructor(network: LoopbackNetwork, port: number) {
    this.parser = new WebSocketFrameParser({
      role: 'client',
      onMessageStart: (opcode) => {
        this.opcode = opcode;
      },
      onData: (chunk) => {
        if (this.opcode !== Opcode.Binary) return;
        this.output.push(chunk);
        this.outputBytes += chunk.length;
      },
      onError: (error) => {
        throw error;
      },
    });
    this.socket = network.connect(port, {
      onReadable: () => this.readAll(),
      onWritable: () => this.pump(),
    });
    this.send(
      Uint8Array.from(
        'GET /ws/serial HTTP/1.1\r\nHost: airboot.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        (c) => c.charCodeAt(0),
      ),
    );
  }

  sendBinary(message: Uint8Array): void {
    this.send(encodeMaskedFrame(Opcode.Binary, message, MASK));
  }

  sendText(message: string): void {
    this.send(encodeMaskedFrame(Opcode.Text, message, MASK));
  }

  received(): Uint8Array {
    const out = new Uint8Array(this.outputBytes);
    let at = 0;
    for (const chunk of this.output) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  private send(bytes: Uint8Array): void {
    this.outgoing.push(bytes);
    this.unsentBytes += bytes.length;
    this.pump();
  }

  private pump(): void {
    while (this.outgoing.length > 0) {
      const head = this.outgoing[0]!;
      try {
        this.socket.write(head);
        this.outgoing.shift();
        this.unsentBytes -= head.length;
      } catch (error) {
        const room = (error as { room?: number }).room ?? 0;
        if (room <= 0) return; // the window is full: onWritable comes when the server reads
        this.socket.write(head.subarray(0, room));
        this.outgoing[0] = head.subarray(room);
        this.unsentBytes -= room;
      }
    }
  }

  private readAll(): void {
    for (let bytes = this.socket.read(); bytes; bytes = this.socket.read()) {
      if (this.upgraded) {
        this.parser.push(bytes);
        continue;
      }
      // The 101 head is ASCII; frames may follow it in the same piece.
      let end = -1;
      for (let i = 0; i < bytes.length; i++) {
        this.head += String.fromCharCode(bytes[i]!);
        if (this.head.endsWith('\r\n\r\n')) {
          end = i + 1;
          break;
        }
      }
      if (end < 0) continue;
      ok(this.head.startsWith('HTTP/1.1 101 '), this.head);
      this.upgraded = true;
      if (end < bytes.length) this.parser.push(bytes.subarray(end));
    }
  }
}

function pattern(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + (i >> 10) * 7) & 0xff);
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      equal(actual[i], expected[i], `${what}: byte ${i}`);
      return;
    }
  }
}

test('WebSocket terminal: 256 KiB sent at once in large binary messages reach the UART intact at 921600 baud; nothing refused, server memory bounded', async () => {
  const r = echoRig();
  const client = new BulkClient(r.network, r.server.port);
  await r.clock.advance(5);
  ok(client.upgraded, 'the handshake completed');
  // Messages far larger than the hub's 1 KiB UART queue, of uneven sizes, 256 KiB in all, queued at once.
  const sizes = [65536, 65536, 49152, 40000, 1, 16383, 25536];
  const data = pattern(sizes.reduce((sum, size) => sum + size, 0));
  equal(data.length, 256 * 1024);
  let offset = 0;
  for (const size of sizes) {
    client.sendBinary(data.subarray(offset, offset + size));
    offset += size;
  }
  const terminal = r.terminals[0]!;
  const wireMs = (data.length * 10 * 1000) / BAUD;
  let maxServer = 0;
  let maxOutput = 0;
  let heldBack: boolean | undefined;
  for (let ms = 0; ms < wireMs * 1.3 && r.device.receivedBytes < data.length; ms += 4) {
    await r.clock.advance(4);
    maxServer = Math.max(maxServer, r.server.bufferedBytes);
    maxOutput = Math.max(maxOutput, terminal.queuedBytes);
    ok(r.hub.writableBytes >= 0, 'the hub never took more than its UART queue holds');
    // A quarter of the way, most of the data is still on the browser's side: TCP's window, not the server, holds it.
    if (heldBack === undefined && ms >= wireMs / 4) heldBack = client.unsentBytes > data.length / 2;
  }
  await r.clock.advance(50);
  ok(heldBack === true, 'the browser was held back by flow control');
  sameBytes(r.device.received(), data, 'at the device');
  const stats = r.hub.clients[0]!;
  equal(stats.refusedBytes, 0, 'no input refused');
  equal(stats.fromClientBytes, data.length);
  // Bounded: one read chunk of input, one frame of output (and its header), a pong at most.
  const bound = HTTP_READ_CHUNK + FRAME_BYTES + 14 + 127;
  ok(maxServer <= bound, `the server held at most ${maxServer} bytes (bound ${bound})`);
  ok(maxOutput <= 8192, `the terminal queued at most ${maxOutput} bytes of output`);
  // The browser kept reading: it got every echoed byte, in order, nothing dropped.
  sameBytes(client.received(), data, 'echoed to the browser');
  equal(stats.droppedBytes, 0);
});

test('WebSocket terminal: one message larger than the UART queue streams to the UART as it frees room; text and binary keep their order', async () => {
  const r = echoRig({ holdCapacity: 256 });
  const client = new BulkClient(r.network, r.server.port);
  await r.clock.advance(5);
  const big = pattern(60000);
  client.sendText('first\r');
  client.sendBinary(big);
  client.sendText('last\r');
  // A tenth of the message's wire time: part of it has reached the device before the rest has been read.
  await r.clock.advance((60000 * 10 * 1000) / BAUD / 10);
  const partial = r.device.receivedBytes;
  ok(partial > 6 && partial < 30000, `${partial} bytes of the message already at the device`);
  ok(
    r.server.bufferedBytes <= HTTP_READ_CHUNK + FRAME_BYTES + 14 + 127,
    `server holds ${r.server.bufferedBytes}`,
  );
  await r.clock.advance(1000);
  const expected = new Uint8Array(6 + big.length + 5);
  expected.set(Uint8Array.from('first\r', (c) => c.charCodeAt(0)));
  expected.set(big, 6);
  expected.set(
    Uint8Array.from('last\r', (c) => c.charCodeAt(0)),
    6 + big.length,
  );
  sameBytes(r.device.received(), expected, 'at the device');
  equal(r.hub.clients[0]!.refusedBytes, 0);
});
