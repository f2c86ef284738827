import { ByteChannel } from '../../src/io/byte-channel.js';
import { UART_8N1 } from '../../src/io/contracts.js';
import { SerialLink } from '../../src/io/serial-link.js';
import { VirtualClock } from '../../src/io/virtual-clock.js';
import { bytesEqual, equal, rejects } from './assert.js';
import { test } from './harness.js';

function pair(timing = false) {
  const clock = new VirtualClock();
  const link = new SerialLink(clock, { timing, chunkBytes: 3 });
  const host = new ByteChannel(link.a, UART_8N1, clock);
  const target = new ByteChannel(link.b, UART_8N1, clock);
  return { clock, link, host, target };
}

test('ByteChannel: readExactly gathers bytes split across deliveries', async () => {
  const { clock, host, target } = pair();
  const data = Uint8Array.from({ length: 10 }, (_, i) => i * 7);
  await clock.run(host.write(data));
  const got = await clock.run(target.readExactly(10, 100));
  bytesEqual(got, data);
});

test('ByteChannel: a short answer times out and carries what arrived', async () => {
  const { clock, host, target } = pair();
  await clock.run(host.write(Uint8Array.of(1, 2)));
  const error = await rejects(clock.run(target.readExactly(3, 50)), { code: 'CHANNEL_TIMEOUT' });
  bytesEqual((error as unknown as { received: Uint8Array }).received, Uint8Array.of(1, 2));
  equal(clock.now(), 50);
});

test('ByteChannel: wire time follows the baud and format', async () => {
  const { clock, host, target } = pair(true);
  const data = new Uint8Array(1000);
  const write = host.write(data);
  const got = await clock.run(target.readExactly(1000, 1000));
  await clock.run(write);
  equal(got.length, 1000);
  // 1000 characters of 10 bits (8N1) at 115200 baud.
  equal(Math.round(clock.now() * 1e6), Math.round(((1000 * 10) / 115200) * 1e9));
});

test('ByteChannel: flushInput discards stale bytes', async () => {
  const { clock, host, target } = pair();
  await clock.run(host.write(Uint8Array.of(9, 9, 9)));
  await clock.advance(1);
  target.flushInput();
  await clock.run(host.write(Uint8Array.of(5)));
  bytesEqual(await clock.run(target.readExactly(1, 10)), Uint8Array.of(5));
});

test('ByteChannel: overflow is reported, not hidden', async () => {
  const clock = new VirtualClock();
  const link = new SerialLink(clock);
  const host = new ByteChannel(link.a, UART_8N1, clock);
  const target = new ByteChannel(link.b, UART_8N1, clock, { capacity: 16 });
  await clock.run(host.write(new Uint8Array(40)));
  await clock.advance(1);
  await rejects(clock.run(target.readExactly(4, 10)), { code: 'CHANNEL_OVERFLOW' });
});

test('ByteChannel: a sender at the wrong baud arrives garbled', async () => {
  const { clock, link, host, target } = pair();
  host.configure({ ...UART_8N1, baud: 9600 });
  await clock.run(host.write(Uint8Array.of(0x7f)));
  const got = await clock.run(target.readExactly(1, 10));
  equal(got[0] === 0x7f, false);
  equal(link.stats.aToB.baudMismatches, 1);
});
