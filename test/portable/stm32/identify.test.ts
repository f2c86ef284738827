import { ACK, NACK } from '../../../src/stm32/commands.js';
import { identify } from '../../../src/stm32/identify.js';
import { deepEqual, equal, ok, rejects } from '../assert.js';
import { test } from '../harness.js';
import { address, COMMANDS_V22, COMMANDS_V33, command, getReply, scripted } from './scripted-target.js';
import { simRig } from './sim-rig.js';

const SYNC_ACK = { expect: [0x7f], reply: [ACK] };

test('identify: sync, Get, Get ID, flash-size register — and nothing more', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(
    SYNC_ACK,
    command(0x00, getReply(0x22, COMMANDS_V22)),
    command(0x02, [ACK, 1, 0x04, 0x10, ACK]),
    command(0x11),
    { expect: address(0x1fff_f7e0), reply: [ACK] },
    { expect: [0x01, 0xfe], reply: [ACK, 0x40, 0x00] }, // 64 KiB, little-endian
  );
  const target = await clock.run(identify(bootloader));
  equal(target.chip.pid, 0x410);
  equal(target.flashBytes, 64 * 1024);
  equal(target.bootloaderVersion, 0x22);
  equal(target.unprotected, false);
  deepEqual(chip.mismatches, []);
  ok(chip.finished);
});

test('identify: an implausible flash-size value falls back to the PID maximum', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(
    SYNC_ACK,
    command(0x00, getReply(0x22, COMMANDS_V22)),
    command(0x02, [ACK, 1, 0x04, 0x10, ACK]),
    command(0x11),
    { expect: address(0x1fff_f7e0), reply: [ACK] },
    { expect: [0x01, 0xfe], reply: [ACK, 0xff, 0xff] },
  );
  equal((await clock.run(identify(bootloader))).flashBytes, 128 * 1024);
});

test('identify: a refused flash-size read with readable flash means "use the maximum"', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(
    SYNC_ACK,
    command(0x00, getReply(0x22, COMMANDS_V22)),
    command(0x02, [ACK, 1, 0x04, 0x10, ACK]),
    command(0x11),
    { expect: address(0x1fff_f7e0), reply: [NACK] },
    command(0x11),
    { expect: address(0x0800_0000), reply: [ACK] },
    { expect: [0x03, 0xfc], reply: [ACK, 1, 2, 3, 4] },
  );
  equal((await clock.run(identify(bootloader))).flashBytes, 128 * 1024);
  deepEqual(chip.mismatches, []);
});

test('identify: an unknown PID needs a layout, and works with one', async () => {
  const unknown = scripted();
  unknown.chip.script(
    SYNC_ACK,
    command(0x00, getReply(0x31, COMMANDS_V33)),
    command(0x02, [ACK, 1, 0x04, 0x99, ACK]),
  );
  await rejects(unknown.clock.run(identify(unknown.bootloader)), {
    code: 'UNKNOWN_CHIP',
    message: /0x499/,
  });

  const given = scripted();
  given.chip.script(
    SYNC_ACK,
    command(0x00, getReply(0x31, COMMANDS_V33)),
    command(0x02, [ACK, 1, 0x04, 0x99, ACK]),
  );
  const layout = { flashBytes: 96 * 1024, eraseLayout: { kind: 'pages', pageSize: 2048 } as const };
  const target = await given.clock.run(identify(given.bootloader, { layout }));
  equal(target.chip.pid, 0x499);
  equal(target.flashBytes, 96 * 1024);
  equal(target.chip.eraseCommand, 0x44, 'erase command from the Get reply');
  equal(target.chip.writeAlign, 8);
  ok(given.chip.finished, 'no flash-size read for a user-given layout');
});

test('identify: a Get answer lost on the wire gets a re-sync and another try; a NACK is not retried', async () => {
  const rig = simRig('F103C8');
  const logged: string[] = [];
  const write = rig.channel.write.bind(rig.channel);
  let gets = 0;
  rig.channel.write = (bytes) => {
    const sent = write(bytes);
    const frame = bytes as Uint8Array;
    // The second byte of the answer to the first Get (its ACK comes first) never arrives: the rest is late.
    if (frame.length === 2 && frame[0] === 0x00 && frame[1] === 0xff && ++gets === 1) {
      rig.sim.faults.dropNextAnswerBytes(2);
    }
    return sent;
  };
  const target = await rig.clock.run(
    identify(rig.bootloader, { log: (_level, message) => logged.push(message) }),
  );
  equal(target.chip.pid, 0x410);
  equal(gets, 2, 'Get was sent again');
  ok(
    logged.some((line) => /^Get: .*trying again \(1 of 2\)/.test(line)),
    logged.join('\n'),
  );

  const refused = simRig('F103C8');
  await refused.clock.run(refused.bootloader.sync());
  refused.sim.faults.nackNext(0x02, 1);
  await rejects(refused.clock.run(identify(refused.bootloader)), { name: 'NackError' });
});
