import assert from 'node:assert/strict';
import { test } from 'node:test';
import { followingLink } from '../../src/cli/sim-link.js';
import { ByteChannel } from '../../src/io/byte-channel.js';
import type { UartSettings } from '../../src/io/contracts.js';
import { UART_8N1 } from '../../src/io/contracts.js';
import { SerialLink } from '../../src/io/serial-link.js';
import { VirtualClock } from '../../src/io/virtual-clock.js';

const E81: UartSettings = { baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 };

test('followingLink: the host end takes the chip settings, whatever the host asks for, and follows changes', async () => {
  const clock = new VirtualClock();
  const link = new SerialLink(clock, { timing: true });
  const ends = followingLink(link);
  const chip = new ByteChannel(ends.chip, E81, clock);
  // A pty or TCP client cannot say it wants 8E1; it opens "8N1 at 9600".
  const host = new ByteChannel(ends.host, { ...UART_8N1, baud: 9600 }, clock);
  assert.deepEqual(link.settings('a'), E81);
  host.configure({ ...UART_8N1, baud: 300 });
  assert.deepEqual(link.settings('a'), E81, 'host-side configure is ignored');

  await clock.run(host.write(Uint8Array.of(0x7f)));
  assert.deepEqual(Array.from(await clock.run(chip.readExactly(1, 10))), [0x7f]);

  const app: UartSettings = { ...UART_8N1, baud: 57600 };
  chip.configure(app);
  assert.deepEqual(link.settings('a'), app);
  await clock.run(chip.write(Uint8Array.of(0x41, 0x42)));
  assert.deepEqual(Array.from(await clock.run(host.readExactly(2, 10))), [0x41, 0x42]);
  assert.equal(link.stats.aToB.formatMismatches + link.stats.aToB.baudMismatches, 0);
  assert.equal(link.stats.bToA.formatMismatches + link.stats.bToA.baudMismatches, 0);
  // Wire time at the chip's speed: 2 characters of 10 bits at 57600 after the 1-character sync.
  assert.ok(clock.now() > (2 * 10 * 1000) / 57600);
});
