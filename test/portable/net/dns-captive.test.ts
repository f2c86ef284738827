import type { Datagram, UdpProvider } from '../../../src/io/contracts.js';
import { captiveAnswer, parseIpv4, parseQuestion, RCODE } from '../../../src/net/dns/captive-answer.js';
import { CaptiveDns } from '../../../src/net/dns/captive-dns.js';
import { bytesEqual, deepEqual, equal, ok, throws } from '../assert.js';
import { test } from '../harness.js';
import { random } from './http-test-support.js';

const AP: [number, number, number, number] = [192, 168, 4, 1];

/** A query as a resolver sends it (RFC 1035 §4.1): id, RD set, one question. */
function query(
  name: string,
  type = 1,
  options: { id?: number; flags?: number; qdcount?: number } = {},
): Uint8Array {
  const labels = name.split('.').filter((label) => label !== '');
  const out: number[] = [];
  const id = options.id ?? 0x1234;
  const flags = options.flags ?? 0x0100;
  const qdcount = options.qdcount ?? 1;
  out.push(id >> 8, id & 0xff, flags >> 8, flags & 0xff, 0, qdcount, 0, 0, 0, 0, 0, 0);
  for (const label of labels) {
    out.push(label.length);
    for (let i = 0; i < label.length; i++) out.push(label.charCodeAt(i));
  }
  out.push(0, type >> 8, type & 0xff, 0, 1);
  return Uint8Array.from(out);
}

test('captive DNS: an A query is answered with the access point address, the question echoed', () => {
  const q = query('connectivitycheck.gstatic.com');
  const answer = captiveAnswer(q, { address: AP, ttlSeconds: 30 })!;
  ok(answer);
  equal(answer[0], 0x12);
  equal(answer[1], 0x34);
  equal(answer[2], 0x85, 'QR, AA and RD set, opcode 0');
  equal(answer[3], RCODE.NO_ERROR);
  deepEqual(Array.from(answer.subarray(4, 12)), [0, 1, 0, 1, 0, 0, 0, 0], 'one question, one answer');
  bytesEqual(answer.subarray(12, q.length), q.subarray(12));
  deepEqual(
    Array.from(answer.subarray(q.length)),
    [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 168, 4, 1],
    'a pointer to the question name, type A, class IN, TTL 30, 4 bytes of address',
  );
  deepEqual(parseQuestion(q), { name: 'connectivitycheck.gstatic.com', type: 1, class: 1, end: q.length });
});

test('captive DNS: AAAA gets an empty NOERROR answer (fall back to IPv4); other opcodes get NOTIMP', () => {
  const aaaa = captiveAnswer(query('example.com', 28), { address: AP })!;
  equal(aaaa[3], RCODE.NO_ERROR);
  equal(aaaa[7], 0, 'no answer records');
  equal(aaaa.length, query('example.com', 28).length);
  const status = captiveAnswer(query('example.com', 1, { flags: 0x1000 }), { address: AP })!;
  equal(status.length, 12);
  equal(status[3], RCODE.NOT_IMPLEMENTED);
});

test('captive DNS: responses are dropped; malformed queries get FORMERR, never an answer record', () => {
  equal(captiveAnswer(query('example.com', 1, { flags: 0x8180 }), { address: AP }), undefined);
  equal(captiveAnswer(new Uint8Array(5), { address: AP }), undefined);
  const two = captiveAnswer(query('example.com', 1, { qdcount: 2 }), { address: AP })!;
  equal(two[3], RCODE.FORMAT_ERROR);
  // A compression pointer in a query's name: nothing to point at.
  const pointer = query('a.b');
  pointer[12] = 0xc0;
  equal(captiveAnswer(pointer, { address: AP })![3], RCODE.FORMAT_ERROR);
  const cut = query('example.com').subarray(0, 20);
  equal(captiveAnswer(cut, { address: AP })![3], RCODE.FORMAT_ERROR);
  // A name over 255 bytes.
  const long = query(Array.from({ length: 5 }, () => 'x'.repeat(60)).join('.'));
  equal(captiveAnswer(long, { address: AP })![3], RCODE.FORMAT_ERROR);
});

test('captive DNS: 3000 random and mutated messages never throw and never answer over 512 bytes', () => {
  const next = random(2024);
  const base = query('captive.apple.com');
  for (let round = 0; round < 3000; round++) {
    let message: Uint8Array;
    if (round % 2 === 0) {
      message = Uint8Array.from({ length: Math.floor(next() * 600) }, () => Math.floor(next() * 256));
    } else {
      message = base.slice(0, Math.max(0, Math.floor(next() * (base.length + 8))));
      for (let flips = 0; flips < 3; flips++) message[Math.floor(next() * message.length)] = next() * 256;
    }
    const answer = captiveAnswer(message, { address: AP });
    if (answer === undefined) continue;
    ok(answer.length <= 512, `answer of ${answer.length} bytes`);
    equal(answer[0], message[0]);
    ok((answer[2]! & 0x80) !== 0, 'every answer is a response');
  }
});

test('captive DNS server: answers each waiting datagram to its sender and counts what it drops', () => {
  const inbox: Datagram[] = [];
  const sent: Array<{ bytes: Uint8Array; address: string; port: number }> = [];
  let onReadable: (count: number) => void = () => {};
  let boundPort = -1;
  const udp: UdpProvider = (options) => {
    boundPort = options.port;
    onReadable = options.onReadable;
    return {
      read: () => inbox.shift(),
      write: (bytes, address, port) => sent.push({ bytes: bytes as Uint8Array, address, port }),
      close: () => {},
    };
  };
  const dns = new CaptiveDns({ udp, address: '192.168.4.1' });
  equal(boundPort, 53);
  inbox.push(
    { bytes: query('a.example'), address: '192.168.4.2', port: 5353 },
    { bytes: query('x', 1, { flags: 0x8000 }), address: '192.168.4.3', port: 1000 },
    { bytes: query('b.example', 1, { id: 7 }), address: '192.168.4.4', port: 2000 },
  );
  onReadable(3);
  equal(dns.answered, 2);
  equal(dns.dropped, 1);
  deepEqual(
    sent.map((s) => [s.address, s.port, s.bytes[1]]),
    [
      ['192.168.4.2', 5353, 0x34],
      ['192.168.4.4', 2000, 7],
    ],
  );
  deepEqual(parseIpv4('10.0.0.255'), [10, 0, 0, 255]);
  equal(parseIpv4('10.0.0.256'), undefined);
  throws(() => new CaptiveDns({ udp, address: 'ap.local' }), { name: 'RangeError' });
});
