import { ByteChannel } from '../../../src/io/byte-channel.js';
import type { Digital } from '../../../src/io/contracts.js';
import { SerialLink } from '../../../src/io/serial-link.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { TargetControl } from '../../../src/service/target.js';
import { hostOutput, SimulatedStm32 } from '../../../src/sim/stm32-sim.js';
import { ACK } from '../../../src/stm32/commands.js';
import { deepEqual, equal, ok } from '../assert.js';
import { test } from '../harness.js';

/** A chip that obeys its pins (timing on: it needs its start-up time), powered on running its application. */
function bench() {
  const clock = new VirtualClock();
  const link = new SerialLink(clock);
  const host = new ByteChannel(link.a, { baud: 115200, dataBits: 8, parity: 'even', stopBits: 1 }, clock);
  const chip = new SimulatedStm32({
    model: 'F103C8',
    timer: clock,
    serial: link.b,
    timing: true,
    start: 'pins',
    autobaud: () => link.settings('a')?.baud,
  });
  chip.powerOn();
  const edges: string[] = [];
  const traced = (name: string, line: Digital): Digital => ({
    read: () => line.read(),
    write(value) {
      edges.push(`${clock.now()} ${name}=${value}`);
      line.write(value);
    },
    close: () => line.close(),
  });
  const boot0 = traced('BOOT0', hostOutput(chip.boot0));
  const nrst = traced('NRST', hostOutput(chip.nrst));
  return { clock, host, chip, boot0, nrst, edges };
}

/** Send the sync byte; resolves with the answer (AN3155 §2: ACK from a listening bootloader). */
async function syncAnswer(b: ReturnType<typeof bench>): Promise<number | undefined> {
  await b.clock.run(b.host.write(Uint8Array.of(0x7f)));
  try {
    return (await b.clock.run(b.host.readExactly(1, 100)))[0];
  } catch {
    return undefined;
  }
}

test('TargetControl: enterBootloader raises BOOT0, pulses NRST 20 ms, waits, and the bootloader answers', async () => {
  const b = bench();
  equal(b.chip.mode, 'app');
  const control = new TargetControl({ boot0: b.boot0, nrst: b.nrst, timer: b.clock });
  const action = await b.clock.run(control.enterBootloader());
  deepEqual(action, { reset: true, bootSelected: true });
  // BOOT0 is high before NRST rises (it is sampled on that edge), NRST low for the whole pulse.
  deepEqual(b.edges, ['0 BOOT0=1', '0 NRST=0', '20 NRST=1']);
  equal(b.chip.mode, 'bootloader');
  // 100 ms of start-up wait cover the F1's 50 ms (AN2606), so the first 0x7F is taken.
  equal(b.clock.now(), 120);
  equal(await syncAnswer(b), ACK);
});

test('TargetControl: runApplication lowers BOOT0 and resets into the application', async () => {
  const b = bench();
  const control = new TargetControl({ boot0: b.boot0, nrst: b.nrst, timer: b.clock, resetPulseMs: 10 });
  await b.clock.run(control.enterBootloader());
  equal(b.chip.mode, 'bootloader');
  b.edges.length = 0;
  const action = await b.clock.run(control.runApplication());
  deepEqual(action, { reset: true, bootSelected: true });
  equal(b.chip.mode, 'app');
  equal(b.edges[0]!.endsWith('BOOT0=0'), true);
  deepEqual(
    b.edges.map((edge) => edge.split(' ')[1]),
    ['BOOT0=0', 'NRST=0', 'NRST=1'],
  );
  equal(b.chip.stats.resets, 3, 'power-on, enter, run');
});

test('TargetControl: reset() keeps the boot mode BOOT0 selects', async () => {
  const b = bench();
  const control = new TargetControl({ boot0: b.boot0, nrst: b.nrst, timer: b.clock });
  await b.clock.run(control.enterBootloader());
  const resets = b.chip.stats.resets;
  await b.clock.run(control.reset());
  equal(b.chip.stats.resets, resets + 1);
  equal(b.chip.mode, 'bootloader');
});

test('TargetControl: without lines it changes nothing, takes no time, and says so', async () => {
  const b = bench();
  const control = new TargetControl({ timer: b.clock });
  equal(control.canReset, false);
  equal(control.canSelectBoot, false);
  deepEqual(await b.clock.run(control.enterBootloader()), { reset: false, bootSelected: false });
  deepEqual(await b.clock.run(control.runApplication()), { reset: false, bootSelected: false });
  equal(b.clock.now(), 0);
  equal(b.chip.mode, 'app');
  equal(b.chip.stats.resets, 1, 'only the power-on');
});

test('TargetControl: BOOT0 without NRST selects the mode for the next (manual) reset', async () => {
  const b = bench();
  const control = new TargetControl({ boot0: b.boot0, timer: b.clock });
  deepEqual(await b.clock.run(control.enterBootloader()), { reset: false, bootSelected: true });
  equal(b.chip.mode, 'app', 'no reset yet');
  equal(b.chip.boot0.level, 1);
  // The user presses reset.
  b.chip.nrst.drive(0);
  b.chip.nrst.drive(1);
  await b.clock.advance(100);
  equal(b.chip.mode, 'bootloader');
  ok((await syncAnswer(b)) === ACK);
});
