import * as net from 'node:net';
import { WouldBlockError } from '../../io/byte-channel.js';
import type { Bytes, IoCallbacks, Log, Serial, SerialProvider, UartSettings } from '../../io/contracts.js';
import { asUint8, silentLog } from '../../io/contracts.js';
import { SerialPortError } from './errors.js';
import { ReceiveQueue } from './receive-queue.js';
import { SerialStreamBridge } from './stream-bridge.js';

/** `tcp://host:port` → its parts; undefined for anything else. IPv6 hosts go in brackets: tcp://[::1]:1234. */
export function parseTcpAddress(text: string): { host: string; port: number } | undefined {
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/i.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

export interface TcpSerialOptions {
  /** Bytes write() accepts before the socket has taken them; beyond that it throws WouldBlockError. Default 4096. */
  outputCapacity?: number;
  /** Bytes held for read() before the socket is paused. Default 4096. */
  inputCapacity?: number;
  /** Give up connecting after this many ms. Default 5000. */
  connectTimeoutMs?: number;
}

/**
 * A raw TCP connection used as a Serial: what `airboot sim --tcp`, ser2net in raw mode or the device's raw bridge
 * port (1234) offer. Raw TCP carries no line settings, so configure() only records them: the far end must frame the
 * bytes as its UART needs (the simulator adopts its chip's settings).
 */
export class TcpSerial implements Serial {
  readonly provider: SerialProvider;
  private callbacks: IoCallbacks = {};
  private settingsNow: UartSettings | undefined;
  private readonly rx: ReceiveQueue;
  private outstanding = 0;
  private closed = false;
  private readonly outputCapacity: number;

  private constructor(
    readonly address: string,
    private readonly socket: net.Socket,
    options: TcpSerialOptions,
  ) {
    this.outputCapacity = options.outputCapacity ?? 4096;
    this.rx = new ReceiveQueue(options.inputCapacity ?? 4096, socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const waiting = this.rx.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      this.callbacks.onReadable?.(waiting);
    });
    socket.on('error', (error) => this.fail(`the connection was lost (${error.message})`));
    socket.on('close', () => this.fail('the other end closed the connection'));
    this.provider = (open) => {
      if (this.closed) throw new SerialPortError('SERIAL_CONNECT', this.address, `${this.address} is closed`);
      this.callbacks = open;
      this.configure(open);
      return this;
    };
  }

  /** Connect; rejects with SerialPortError SERIAL_CONNECT (and a hint) when nobody answers. */
  static connect(host: string, port: number, options: TcpSerialOptions = {}): Promise<TcpSerial> {
    const address = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timeout = setTimeout(() => {
        socket.destroy();
        reject(
          new SerialPortError(
            'SERIAL_CONNECT',
            address,
            `no answer from ${address}`,
            'check the host and port',
          ),
        );
      }, options.connectTimeoutMs ?? 5000);
      socket.once('connect', () => {
        clearTimeout(timeout);
        socket.removeAllListeners('error');
        resolve(new TcpSerial(address, socket, options));
      });
      socket.once('error', (error) => {
        clearTimeout(timeout);
        reject(
          new SerialPortError(
            'SERIAL_CONNECT',
            address,
            `cannot connect to ${address}: ${error.message}`,
            'is `airboot sim --tcp` (or the bridge) running there?',
            error.message,
          ),
        );
      });
    });
  }

  /** The settings last asked for (raw TCP does not carry them). */
  get settings(): UartSettings | undefined {
    return this.settingsNow ? { ...this.settingsNow } : undefined;
  }

  read(max?: number): Uint8Array | undefined {
    return this.rx.read(max);
  }

  write(bytes: Bytes): number {
    if (this.closed)
      throw new SerialPortError('SERIAL_DISCONNECTED', this.address, `${this.address} is closed`);
    const data = Buffer.from(asUint8(bytes));
    const room = this.outputCapacity - this.outstanding;
    if (data.length > room) throw new WouldBlockError(room);
    this.outstanding += data.length;
    this.socket.write(data, () => {
      this.outstanding -= data.length;
      this.callbacks.onWritable?.(this.outputCapacity - this.outstanding);
    });
    return this.outputCapacity - this.outstanding;
  }

  configure(settings: UartSettings): void {
    this.settingsNow = {
      baud: settings.baud,
      dataBits: settings.dataBits,
      parity: settings.parity,
      stopBits: settings.stopBits,
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.socket.destroySoon();
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.callbacks.onError?.(
      new SerialPortError('SERIAL_DISCONNECTED', this.address, `${this.address}: ${reason}`),
    );
  }
}

export interface SerialTcpServerOptions {
  /** The Serial to expose (opened once, kept open while the server runs). */
  provider: SerialProvider;
  settings: UartSettings;
  /** TCP port; 0 picks a free one (see `port` on the result). */
  port: number;
  /** Interface to listen on. Default 127.0.0.1: a simulator is not for the network unless asked. */
  host?: string;
  log?: Log;
}

export interface SerialTcpServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/**
 * Serve a Serial's bytes on a TCP port, raw (no Telnet): one client at a time, as a UART has one cable. A second
 * client is turned away with a line saying why, so that two programs never interleave bytes on one target.
 */
export function serveSerialOverTcp(options: SerialTcpServerOptions): Promise<SerialTcpServer> {
  const log = options.log ?? silentLog;
  const bridge = new SerialStreamBridge(options.provider, options.settings, log);
  let client: net.Socket | undefined;
  const server = net.createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (client) {
      log('warn', `refused ${peer}: another client is connected`);
      socket.end('airboot: busy, another client is connected\r\n');
      return;
    }
    client = socket;
    socket.setNoDelay(true);
    log('info', `client ${peer} connected`);
    bridge.attach(socket, socket);
    const gone = () => {
      if (client !== socket) return;
      client = undefined;
      bridge.detach();
      log('info', `client ${peer} disconnected`);
    };
    socket.on('close', gone);
    socket.on('error', (error) => {
      log('debug', `client ${peer}: ${error.message}`);
      gone();
    });
  });
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      bridge.close();
      reject(
        new SerialPortError(
          'SERIAL_OPEN',
          `tcp://${host}:${options.port}`,
          `cannot listen on ${host}:${options.port}: ${error.message}`,
          error.code === 'EADDRINUSE'
            ? 'the port is taken; pick another (or 0 for any free port)'
            : undefined,
          error.message,
        ),
      );
    });
    server.listen(options.port, host, () => {
      const bound = server.address() as net.AddressInfo;
      resolve({
        port: bound.port,
        host,
        close: () =>
          new Promise<void>((done) => {
            client?.destroy();
            bridge.close();
            server.close(() => done());
          }),
      });
    });
  });
}
