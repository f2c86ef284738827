import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { PreciseTimer } from '../../src/platform/node/timer.js';

function settle(timer: PreciseTimer): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (timer.pending === 0 ? resolve() : setTimeout(check, 5));
    check();
  });
}

test('PreciseTimer: fires in deadline order, equal deadlines first-in first-out', async () => {
  const timer = new PreciseTimer();
  const fired: string[] = [];
  // Sub-millisecond differences that setTimeout's truncation to whole ms would lose.
  const delays: Array<[string, number]> = [
    ['c', 3.6],
    ['a', 3.2],
    ['e', 7],
    ['b', 3.4],
    ['d', 3.6],
    ['z', 0],
    ['f', 12.25],
  ];
  // Deadlines count from each set() call; on a cold start those calls can be a fraction of a ms apart, so the
  // expected order is by the deadline each timer actually got.
  const deadlines: Array<{ name: string; at: number; seq: number }> = [];
  delays.forEach(([name, ms], seq) => {
    deadlines.push({ name, at: timer.now() + ms, seq });
    timer.set(() => fired.push(name), ms);
  });
  await settle(timer);
  const expected = deadlines.sort((x, y) => x.at - y.at || x.seq - y.seq).map((d) => d.name);
  assert.deepEqual(fired, expected);
  assert.equal(fired.indexOf('c') < fired.indexOf('d'), true, 'equal delays keep their order');
});

test('PreciseTimer: clear() cancels, also from inside another callback', async () => {
  const timer = new PreciseTimer();
  const fired: string[] = [];
  const late = timer.set(() => fired.push('late'), 6);
  timer.set(() => {
    fired.push('first');
    timer.clear(late);
  }, 2);
  const never = timer.set(() => fired.push('never'), 1);
  timer.clear(never);
  timer.clear(never); // twice is harmless
  await settle(timer);
  assert.deepEqual(fired, ['first']);
});

test('PreciseTimer: a timer set by a callback waits for a later turn and keeps order', async () => {
  const timer = new PreciseTimer();
  const fired: string[] = [];
  timer.set(() => {
    fired.push('outer');
    timer.set(() => fired.push('inner-0'), 0);
    timer.set(() => fired.push('inner-40'), 40);
    fired.push('outer-end');
  }, 1);
  timer.set(() => fired.push('sibling'), 30);
  await settle(timer);
  assert.deepEqual(fired, ['outer', 'outer-end', 'inner-0', 'sibling', 'inner-40']);
});

test('PreciseTimer: never early; lateness printed for information', async () => {
  const timer = new PreciseTimer();
  const late: number[] = [];
  const waits = [0.3, 0.7, 1.2, 2.5, 4.1, 6.6, 9.9];
  for (const ms of waits) {
    await new Promise<void>((resolve) => {
      const start = timer.now();
      timer.set(() => {
        const elapsed = timer.now() - start;
        assert.ok(elapsed >= ms, `fired after ${elapsed} ms, asked ${ms}`);
        late.push(elapsed - ms);
        resolve();
      }, ms);
    });
  }
  // The same waits with plain setTimeout, for comparison (it may fire early: it truncates to whole ms).
  const plain: number[] = [];
  for (const ms of waits) {
    await new Promise<void>((resolve) => {
      const start = performance.now();
      setTimeout(() => {
        plain.push(performance.now() - start - ms);
        resolve();
      }, ms);
    });
  }
  const show = (label: string, values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const worst = Math.max(...values.map(Math.abs));
    console.log(`${label}: mean error ${(mean * 1000).toFixed(0)} µs, worst ${(worst * 1000).toFixed(0)} µs`);
  };
  show('PreciseTimer', late);
  show('setTimeout  ', plain);
});
