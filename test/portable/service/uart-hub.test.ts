import { UART_8N1 } from '../../../src/io/contracts.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { decodeUtf8, encodeUtf8 } from '../../../src/net/encoding/utf8.js';
import { type UartClient, UartHub } from '../../../src/service/uart-hub.js';
import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';

/** A hub on one end of a cable; the test plays the target on the other end. */
function rig(options: { policy?: 'shared' | 'exclusive'; maxClients?: number; holdCapacity?: number } = {}) {
  const clock = new VirtualClock();
  const link = new SerialLink(clock);
  const targetRx: string[] = [];
  const target = link.b({
    ...UART_8N1,
    onReadable: () => targetRx.push(decodeUtf8(target.read()!)),
  });
  const hub = new UartHub({ provider: link.a, settings: UART_8N1, timer: clock, ...options });
  hub.open();
  const attach = (name: string) => {
    const received: string[] = [];
    const notices: string[] = [];
    const client = hub.attach('raw', name, {
      deliver: (bytes) => received.push(decodeUtf8(bytes)),
      notice: (text) => notices.push(text),
    });
    return { client: client as UartClient, received, notices, result: client };
  };
  return { clock, link, hub, target, targetRx, attach };
}

test('UartHub: every client receives all UART output; shared policy forwards everyone', async () => {
  const r = rig();
  const a = r.attach('a');
  const b = r.attach('b');
  r.target.write(encodeUtf8('hello'));
  await r.clock.advance(1);
  equal(a.received.join(''), 'hello');
  equal(b.received.join(''), 'hello');
  equal(a.client.write(encodeUtf8('x')), 'sent');
  equal(b.client.write(encodeUtf8('y')), 'sent');
  await r.clock.advance(1);
  equal(r.targetRx.join(''), 'xy');
  equal(r.hub.clients[0]!.toClientBytes, 5);
  equal(r.hub.clients[1]!.fromClientBytes, 1);
});

test('UartHub: exclusive policy lets only the first writer through, until it leaves', async () => {
  const r = rig({ policy: 'exclusive' });
  const a = r.attach('a');
  const b = r.attach('b');
  equal(a.client.write(encodeUtf8('1')), 'sent');
  equal(b.client.write(encodeUtf8('2')), 'refused');
  equal(r.hub.clients[1]!.refusedBytes, 1);
  a.client.detach();
  equal(b.client.write(encodeUtf8('3')), 'sent');
  await r.clock.advance(1);
  equal(r.targetRx.join(''), '13');
});

test('UartHub: beyond maxClients an attach is refused with a message', () => {
  const r = rig({ maxClients: 1 });
  r.attach('a');
  const second = r.attach('b');
  ok('refused' in second.result);
  equal(r.hub.clients.length, 1);
});

test('UartHub: a lease pauses the clients, holds their input (bounded) and restores the UART settings', async () => {
  const r = rig({ holdCapacity: 4 });
  const a = r.attach('a');
  const lease = r.hub.acquire('flash job 7');
  equal(r.hub.takenFor, 'flash job 7');
  equal(a.notices.length, 1);
  equal(a.client.write(encodeUtf8('abc')), 'held');
  equal(a.client.write(encodeUtf8('de')), 'refused'); // 5 bytes would exceed the 4-byte hold
  // The job opens the port with its own settings.
  const job = lease.provider({ ...UART_8N1, parity: 'even' });
  deepEqual(r.link.settings('a'), { ...UART_8N1, parity: 'even' });
  job.close();
  lease.release();
  deepEqual(r.link.settings('a'), UART_8N1);
  await r.clock.advance(1);
  equal(r.targetRx.join(''), 'abc');
  equal(a.notices.length, 2);
  let second = false;
  try {
    r.hub.acquire('x');
    r.hub.acquire('y');
  } catch {
    second = true;
  }
  ok(second, 'a second lease while one is out is refused');
});

test('UartHub: configure applies at once and tells the clients; notices can be turned off', async () => {
  const r = rig();
  const changes: number[] = [];
  r.hub.attach('rfc2217', 'c', { deliver: () => {}, settingsChanged: (s) => changes.push(s.baud) });
  const a = r.attach('a');
  r.hub.configure({ ...UART_8N1, baud: 9600 });
  equal(r.link.settings('a')!.baud, 9600);
  deepEqual(changes, [9600]);
  r.hub.notices = false;
  r.hub.acquire('quiet job').release();
  equal(a.notices.length, 0);
});

test('UartHub: input beyond the UART queue is refused and counted, never reported as sent', () => {
  const r = rig({ holdCapacity: 8 });
  const a = r.attach('a');
  // The cable takes the first write at once; stop it so the hub's own queue fills.
  r.link.options.txCapacity = 0;
  equal(r.hub.writableBytes, 8);
  equal(a.client.write(encodeUtf8('12345678')), 'sent');
  equal(a.client.write(encodeUtf8('9')), 'refused');
  equal(r.hub.clients[0]!.refusedBytes, 1);
  equal(r.hub.writableBytes, 0);
});

test('UartHub: onWritable tells its listeners when the port takes queued bytes, and on lease, release and purge', async () => {
  const r = rig({ holdCapacity: 8 });
  const a = r.attach('a');
  const seen: number[] = [];
  const unsubscribe = r.hub.onWritable(() => seen.push(r.hub.writableBytes));
  // The cable takes 4 bytes; the hub queues the other 4 and has room for 4 more.
  r.link.options.txCapacity = 4;
  equal(a.client.write(encodeUtf8('abcdefgh')), 'sent');
  equal(r.hub.writableBytes, 4);
  deepEqual(seen, [], 'no event while nothing left the queue');
  await r.clock.advance(1);
  equal(r.targetRx.join(''), 'abcdefgh');
  ok(seen.length > 0, 'the port taking the queued bytes is told');
  equal(seen[seen.length - 1], 8, 'by the last event the queue is empty');
  ok(
    seen.every((room) => room > 0),
    'listeners are told only when there is room',
  );

  seen.length = 0;
  const lease = r.hub.acquire('flash');
  deepEqual(seen, [8], 'taking the UART frees the hold buffer for input');
  equal(a.client.write(encodeUtf8('12345678')), 'held');
  lease.release();
  deepEqual(seen, [8, 4], 'release sent the held bytes on and tells the room left');

  await r.clock.advance(1);
  equal(r.targetRx.join(''), 'abcdefgh12345678');
  seen.length = 0;
  r.link.options.txCapacity = 0;
  equal(a.client.write(encodeUtf8('xyz')), 'sent');
  equal(r.hub.writableBytes, 5);
  r.hub.purge(false, true);
  deepEqual(seen, [8], 'purging the transmit queue frees its room');

  unsubscribe();
  r.hub.acquire('again').release();
  deepEqual(seen, [8], 'no events after unsubscribing');
});
