import * as net from 'node:net';

/** A plain node:net client that collects everything it receives. */
export class NetClient {
  readonly socket: net.Socket;
  readonly chunks: Buffer[] = [];
  received = 0;
  ended = false;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
    });
    this.socket.on('end', () => {
      this.ended = true;
    });
    this.socket.on('close', () => {
      this.ended = true;
    });
    this.socket.on('error', () => {});
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.bytes().toString('utf8');
  }

  lines(): string[] {
    return this.text()
      .split('\r\n')
      .filter((line) => line.length > 0);
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function until(condition: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
