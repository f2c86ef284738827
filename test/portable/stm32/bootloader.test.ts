import { CancelledError } from '../../../src/io/errors.js';
import { eraseFrame } from '../../../src/stm32/bootloader.js';
import { CancelToken } from '../../../src/stm32/cancel.js';
import { ACK, NACK } from '../../../src/stm32/commands.js';
import { bytesEqual, deepEqual, equal, ok, rejects, throws } from '../assert.js';
import { test } from '../harness.js';
import {
  address,
  COMMANDS_V22,
  COMMANDS_V33,
  command,
  getReply,
  type ScriptedTarget,
  scripted,
} from './scripted-target.js';

function done(chip: ScriptedTarget): void {
  deepEqual(chip.mismatches, [], `wire bytes differ from AN3155: ${chip.mismatches.join('; ')}`);
  ok(chip.finished, 'the host did not send everything the script expects');
}

test('sync: 0x7F answered with ACK is a fresh sync', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script({ expect: [0x7f], reply: [ACK] });
  equal(await clock.run(bootloader.sync()), 'synced');
  done(chip);
});

test('sync: NACK means already synchronised, which is fine', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script({ expect: [0x7f], reply: [NACK] });
  equal(await clock.run(bootloader.sync()), 'already-synced');
  done(chip);
});

test('sync: silence is retried after the interval', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script({ expect: [0x7f] }, { expect: [0x7f] }, { expect: [0x7f], reply: [ACK] });
  equal(await clock.run(bootloader.sync({ attempts: 5, intervalMs: 100 })), 'synced');
  done(chip);
  ok(clock.now() >= 200, `two silent attempts take two intervals, took ${clock.now()} ms`);
});

test('sync: a chip that never answers ends in a TimeoutError after the attempts', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script({ expect: [0x7f] }, { expect: [0x7f] }, { expect: [0x7f] });
  await rejects(clock.run(bootloader.sync({ attempts: 3, intervalMs: 50 })), {
    code: 'TIMEOUT',
    command: 0x7f,
    step: 'sync',
  });
  done(chip);
});

test('sync: a second ACK (L412 quirk) is discarded, not taken as the next answer', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script({ expect: [0x7f], reply: [ACK, ACK] }, command(0x02, [ACK, 1, 0x04, 0x10, ACK]));
  await clock.run(bootloader.sync());
  equal(await clock.run(bootloader.getId()), 0x410);
  done(chip);
});

test('sync: a second ACK that comes a few ms later is discarded too', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script({ expect: [0x7f], reply: [ACK] }, { ...command(0x02, [ACK, 1, 0x04, 0x10, ACK]), delayMs: 5 });
  clock.set(() => chip.send([ACK]), 3);
  await clock.run(bootloader.sync());
  equal(await clock.run(bootloader.getId()), 0x410);
  done(chip);
});

test('Get: version and command list (AN3155 §3.1)', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(command(0x00, getReply(0x22, COMMANDS_V22)));
  const reply = await clock.run(bootloader.get());
  equal(reply.version, 0x22);
  deepEqual(reply.commands, COMMANDS_V22);
  ok(bootloader.supports(0x43) && !bootloader.supports(0xa1));
  done(chip);
});

test('Get Version and Get ID (AN3155 §3.2, §3.3)', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(command(0x01, [ACK, 0x31, 0x00, 0x00, ACK]), command(0x02, [ACK, 1, 0x04, 0x13, ACK]));
  deepEqual(await clock.run(bootloader.getVersion()), { version: 0x31, options: [0, 0] });
  equal(await clock.run(bootloader.getId()), 0x413);
  done(chip);
});

test('Read Memory: address + XOR, then n-1 and its complement, then n bytes (AN3155 §3.4)', async () => {
  const { clock, chip, bootloader } = scripted();
  const data = Array.from({ length: 256 }, (_, i) => (i * 13) & 0xff);
  chip.script(
    command(0x11),
    { expect: address(0x0800_0100), reply: [ACK] },
    { expect: [0xff, 0x00], reply: [ACK, ...data] },
  );
  bytesEqual(await clock.run(bootloader.readMemory(0x0800_0100, 256)), Uint8Array.from(data));
  done(chip);
  throws(() => bootloader.readMemory(0x0800_0000, 257), { name: 'RangeError' });
  throws(() => bootloader.readMemory(0x0800_0000, 0), { name: 'RangeError' });
});

test('Write Memory: pads to whole words with 0xFF and sends the XOR of count and data (AN3155 §3.6)', async () => {
  const { clock, chip, bootloader } = scripted();
  // 6 bytes → 8 on the wire: N-1 = 7, data, 0xFF 0xFF, XOR of all.
  const data = [1, 2, 3, 4, 5, 6];
  const frame = [7, ...data, 0xff, 0xff];
  const xor = frame.reduce((x, b) => x ^ b, 0);
  chip.script(
    command(0x31),
    { expect: address(0x0800_0400), reply: [ACK] },
    { expect: [...frame, xor], reply: [ACK] },
  );
  await clock.run(bootloader.writeMemory(0x0800_0400, Uint8Array.from(data)));
  done(chip);
  throws(() => bootloader.writeMemory(0x0800_0402, new Uint8Array(4)), { name: 'RangeError' });
  throws(() => bootloader.writeMemory(0x0800_0400, new Uint8Array(260)), { name: 'RangeError' });
});

test('Erase (0x43): one-byte page numbers and global erase 0xFF 0x00 (AN3155 §3.7)', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(
    command(0x00, getReply(0x22, COMMANDS_V22)),
    command(0x43),
    { expect: [2, 5, 6, 7, 2 ^ 5 ^ 6 ^ 7], reply: [ACK] },
    command(0x43),
    { expect: [0xff, 0x00], reply: [ACK] },
  );
  await clock.run(bootloader.get());
  await clock.run(bootloader.erase([5, 6, 7]));
  await clock.run(bootloader.erase('mass'));
  done(chip);
});

test('Extended Erase (0x44): two-byte count and pages, specials FFFF / FFFE / FFFD (AN3155 §3.8)', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(
    command(0x00, getReply(0x31, COMMANDS_V33)),
    command(0x44),
    { expect: [0x00, 0x01, 0x01, 0x02, 0x00, 0x03, 0x01 ^ 0x01 ^ 0x02 ^ 0x03], reply: [ACK] },
    command(0x44),
    { expect: [0xff, 0xff, 0x00], reply: [ACK] },
    command(0x44),
    { expect: [0xff, 0xfe, 0x01], reply: [ACK] },
    command(0x44),
    { expect: [0xff, 0xfd, 0x02], reply: [ACK] },
  );
  await clock.run(bootloader.get());
  await clock.run(bootloader.erase([0x102, 0x003]));
  await clock.run(bootloader.erase('mass'));
  await clock.run(bootloader.erase('bank1'));
  await clock.run(bootloader.erase('bank2'));
  done(chip);
});

test('erase splits long lists: ≤ 512 pages per Extended Erase, ≤ 255 per Erase', async () => {
  const pages = Array.from({ length: 600 }, (_, i) => i);
  const wide = scripted();
  const first = eraseFrame(0x44, pages.slice(0, 512));
  const second = eraseFrame(0x44, pages.slice(512));
  equal(first[0]! * 256 + first[1]!, 511);
  wide.chip.script(
    command(0x00, getReply(0x31, COMMANDS_V33)),
    command(0x44),
    { expect: Array.from(first), reply: [ACK] },
    command(0x44),
    { expect: Array.from(second), reply: [ACK] },
  );
  await wide.clock.run(wide.bootloader.get());
  await wide.clock.run(wide.bootloader.erase(pages));
  done(wide.chip);

  const narrow = scripted();
  const few = pages.slice(0, 256);
  narrow.chip.script(
    command(0x00, getReply(0x22, COMMANDS_V22)),
    command(0x43),
    { expect: Array.from(eraseFrame(0x43, few.slice(0, 255))), reply: [ACK] },
    command(0x43),
    { expect: [0, 255, 255], reply: [ACK] },
  );
  await narrow.clock.run(narrow.bootloader.get());
  await narrow.clock.run(narrow.bootloader.erase(few));
  done(narrow.chip);
  throws(() => eraseFrame(0x43, [256]), { name: 'RangeError' });
  throws(() => eraseFrame(0x43, 'bank1'), { name: 'RangeError' });
});

test('Go: address + XOR (AN3155 §3.5)', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(command(0x21), { expect: address(0x0800_0000), reply: [ACK] });
  await clock.run(bootloader.go(0x0800_0000));
  done(chip);
});

test('Get Checksum: address, size in words, polynomial, initial value, then ACK and CRC + XOR', async () => {
  const { clock, chip, bootloader } = scripted();
  const crc = [0x12, 0x34, 0x56, 0x78];
  chip.script(
    command(0x00, getReply(0x33, COMMANDS_V33)),
    command(0xa1),
    { expect: address(0x0800_0800), reply: [ACK] },
    { expect: address(0x200), reply: [ACK] },
    { expect: address(0x04c1_1db7), reply: [ACK] },
    { expect: address(0xffff_ffff), reply: [ACK, ACK, ...crc, 0x12 ^ 0x34 ^ 0x56 ^ 0x78] },
  );
  await clock.run(bootloader.get());
  equal(await clock.run(bootloader.getChecksum(0x0800_0800, 0x200)), 0x1234_5678);
  done(chip);
});

test('Get Checksum is refused when the Get reply does not list 0xA1', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(command(0x00, getReply(0x22, COMMANDS_V22)));
  await clock.run(bootloader.get());
  await rejects(clock.run(bootloader.getChecksum(0x0800_0000, 4)), {
    code: 'UNSUPPORTED_COMMAND',
    command: 0xa1,
  });
  done(chip);
});

test('Readout Unprotect: two ACKs, then the chip restarts and is synced again', async () => {
  const { clock, chip, bootloader } = scripted({ restartMs: 100 });
  chip.script(command(0x92, [ACK, ACK]), { expect: [0x7f], reply: [ACK] });
  await clock.run(bootloader.readoutUnprotect());
  done(chip);
  ok(clock.now() >= 100, 'waits for the bootloader to start again');
});

test('Write Unprotect and Readout Protect: two ACKs, then a re-sync', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(command(0x73, [ACK, ACK]), { expect: [0x7f], reply: [ACK] }, command(0x82, [ACK, ACK]), {
    expect: [0x7f],
    reply: [ACK],
  });
  await clock.run(bootloader.writeUnprotect());
  await clock.run(bootloader.readoutProtect());
  done(chip);
});

test('a NACK becomes NackError with command, address and step', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(command(0x11), { expect: address(0x0800_0000), reply: [NACK] });
  const error = await rejects(clock.run(bootloader.readMemory(0x0800_0000, 4)), {
    code: 'NACK',
    name: 'NackError',
    command: 0x11,
    address: 0x0800_0000,
    step: 'address',
    received: NACK,
  });
  ok(/Read Memory at 0x08000000/.test(error.message), error.message);
  done(chip);
});

test('silence becomes TimeoutError with the step and the timeout', async () => {
  const { clock, chip, bootloader } = scripted({ timeouts: { writeMs: 300 } });
  chip.script(
    command(0x31),
    { expect: address(0x0800_0000), reply: [ACK] },
    { expect: [3, 1, 2, 3, 4, 3 ^ 1 ^ 2 ^ 3 ^ 4] },
  );
  await rejects(clock.run(bootloader.writeMemory(0x0800_0000, Uint8Array.of(1, 2, 3, 4))), {
    code: 'TIMEOUT',
    command: 0x31,
    address: 0x0800_0000,
    step: 'data',
  });
  ok(clock.now() >= 300 && clock.now() < 310, `waited the write timeout, ${clock.now()} ms`);
  done(chip);
});

test('a byte that is neither ACK nor NACK becomes ProtocolError carrying it', async () => {
  const { clock, chip, bootloader } = scripted();
  chip.script(command(0x02, [0x55]));
  await rejects(clock.run(bootloader.getId()), {
    code: 'PROTOCOL',
    command: 0x02,
    step: 'command',
    received: 0x55,
  });
  done(chip);
});

test('a lost ACK mid-command: the chip frame is ended with fill bytes, then a re-sync recovers', async () => {
  const { clock, chip, bootloader } = scripted();
  // The chip ACKs the command but the ACK is lost: it now reads an address. The host times out, ends the frame
  // with five fill bytes (bad XOR → NACK), waits for the line to go quiet and syncs.
  chip.script(
    command(0x21, []),
    { expect: [2, 2, 2, 2, 2], reply: [NACK] },
    { expect: [0x7f], reply: [NACK] },
    command(0x02, [ACK, 1, 0x04, 0x10, ACK]),
  );
  await rejects(clock.run(bootloader.go(0x0800_0000)), { code: 'TIMEOUT', step: 'command' });
  await clock.run(bootloader.resync());
  equal(await clock.run(bootloader.getId()), 0x410);
  done(chip);
});

test('an answer later than its timeout is drained before the re-sync, not taken for the next one', async () => {
  const { clock, chip, bootloader } = scripted({ timeouts: { writeMs: 200 } });
  chip.script(
    command(0x31),
    { expect: address(0x0800_0000), reply: [ACK] },
    { expect: [3, 9, 9, 9, 9, 3] },
    { expect: [0x7f], reply: [NACK] },
    command(0x02, [ACK, 1, 0x04, 0x10, ACK]),
  );
  await rejects(clock.run(bootloader.writeMemory(0x0800_0000, Uint8Array.of(9, 9, 9, 9))), {
    code: 'TIMEOUT',
  });
  const late = bootloader.resync();
  await clock.advance(150);
  chip.send([ACK]); // the write's ACK, 150 ms late
  await clock.run(late);
  equal(await clock.run(bootloader.getId()), 0x410);
  done(chip);
});

test('cancel during a long erase ends it at once with CancelledError; a sync recovers', async () => {
  const { clock, chip, bootloader } = scripted();
  const cancel = new CancelToken();
  bootloader.cancel = cancel;
  chip.script(command(0x00, getReply(0x22, COMMANDS_V22)), command(0x43), { expect: [0xff, 0x00] });
  await clock.run(bootloader.get());
  const erase = bootloader.erase('mass');
  await clock.advance(1000);
  cancel.cancel();
  await rejects(clock.run(erase), { code: 'CANCELLED', name: 'CancelledError' });
  ok(clock.now() < 1100, 'the 35 s erase wait ended at the cancel');
  await rejects(clock.run(bootloader.getId()), { code: 'CANCELLED' });
  bootloader.cancel = undefined;
  chip.send([ACK]); // the erase finishes later
  chip.script({ expect: [0x7f], reply: [NACK] });
  equal(await clock.run(bootloader.sync()), 'already-synced');
  done(chip);
  ok(new CancelledError() instanceof Error);
});
