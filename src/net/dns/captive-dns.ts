/**
 * The captive-portal DNS server: while the device is its own access point, UDP port 53 answers every name with the
 * device's address (captive-answer.ts), so a phone opens the settings page when it joins. Bounded: one datagram is
 * handled at a time (the network stack's receive queue bounds how many wait), and each answer is ≤ 512 bytes, so a
 * flood costs CPU, never memory.
 */
import type { Log, UdpProvider, UdpSocket } from '../../io/contracts.js';
import { silentLog } from '../../io/contracts.js';
import { captiveAnswer, parseIpv4 } from './captive-answer.js';

/** RFC 1035 §4.2.1: DNS over UDP uses port 53. */
export const DNS_PORT = 53;

export interface CaptiveDnsOptions {
  udp: UdpProvider;
  /** The device's access-point address, dotted (e.g. "192.168.4.1"). */
  address: string;
  port?: number;
  ttlSeconds?: number;
  log?: Log;
}

export class CaptiveDns {
  /** Queries answered and datagrams dropped, for the log and tests. */
  answered = 0;
  dropped = 0;
  private readonly socket: UdpSocket;
  private readonly address: [number, number, number, number];
  private readonly log: Log;

  constructor(private readonly options: CaptiveDnsOptions) {
    const address = parseIpv4(options.address);
    if (!address) throw new RangeError(`captive DNS needs an IPv4 address, not "${options.address}"`);
    this.address = address;
    this.log = options.log ?? silentLog;
    this.socket = options.udp({
      port: options.port ?? DNS_PORT,
      onReadable: () => this.serve(),
      onError: (error) => this.log('warn', `captive DNS: ${error.message}`),
    });
    this.log('info', `captive DNS: every name resolves to ${options.address}`);
  }

  private serve(): void {
    for (let datagram = this.socket.read(); datagram; datagram = this.socket.read()) {
      const answer = captiveAnswer(datagram.bytes, {
        address: this.address,
        ttlSeconds: this.options.ttlSeconds,
      });
      if (!answer) {
        this.dropped++;
        continue;
      }
      try {
        this.socket.write(answer, datagram.address, datagram.port);
        this.answered++;
      } catch (error) {
        // A full send queue loses this answer; the resolver asks again.
        this.dropped++;
        this.log('debug', `captive DNS: answer not sent: ${(error as Error).message}`);
      }
    }
  }

  close(): void {
    this.socket.close();
  }
}
