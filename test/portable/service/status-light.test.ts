import type { Digital } from '../../../src/io/contracts.js';
import { VirtualClock } from '../../../src/io/virtual-clock.js';
import { patternFor, StatusLight } from '../../../src/service/status-light.js';
import { deepEqual, equal } from '../../portable/assert.js';
import { test } from '../../portable/harness.js';

/** An LED that records when it changed: [ms, level]. */
function recordingLed(clock: VirtualClock) {
  const changes: Array<[number, 0 | 1]> = [];
  let level: 0 | 1 = 0;
  const led: Digital = {
    read: () => level,
    write(value) {
      if (value !== level || changes.length === 0) changes.push([clock.now(), value]);
      level = value;
    },
    close() {},
  };
  return { led, changes, level: () => level };
}

test('status light: slow blink is 500 ms on, 500 ms off; a new pattern starts at once, steady ones hold', async () => {
  const clock = new VirtualClock();
  const { led, changes, level } = recordingLed(clock);
  const light = new StatusLight(led, clock);
  light.show('slow');
  await clock.advance(2000);
  deepEqual(changes, [
    [0, 0],
    [0, 1],
    [500, 0],
    [1000, 1],
    [1500, 0],
    [2000, 1],
  ]);
  light.show('on');
  equal(level(), 1);
  const pendingAfterSteady = clock.pending;
  equal(pendingAfterSteady, 0, 'a steady light holds no timer');
  light.show('double');
  changes.length = 0;
  await clock.advance(1000);
  deepEqual(
    changes.map(([ms, value]) => [ms - 2000, value]),
    [
      [100, 0],
      [200, 1],
      [300, 0],
      [1000, 1],
    ],
    'two 100 ms blinks a second',
  );
  light.close();
  equal(level(), 0);
  equal(clock.pending, 0);
});

test('status light: a running flash job outranks a failure, which outranks the network state', () => {
  equal(patternFor('station', 'running'), 'flicker');
  equal(patternFor('access-point', 'failed'), 'double');
  equal(patternFor('joining', 'succeeded'), 'fast');
  equal(patternFor('access-point', undefined), 'slow');
  equal(patternFor('station', 'succeeded'), 'on');
  equal(patternFor(undefined, undefined), 'on', 'no radio (simulator): on means running');
});
