import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReceiveQueue } from '../../src/platform/node/receive-queue.js';

test('ReceiveQueue: reads across chunk boundaries, pauses its source at capacity, resumes below half', () => {
  const calls: string[] = [];
  const queue = new ReceiveQueue(10, {
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
  });
  assert.equal(queue.read(), undefined);
  assert.equal(queue.push(Uint8Array.of(1, 2, 3)), 3);
  assert.equal(queue.push(Uint8Array.of(4, 5, 6, 7)), 7);
  assert.deepEqual(calls, []);
  assert.equal(queue.push(Uint8Array.of(8, 9, 10, 11)), 11);
  assert.deepEqual(calls, ['pause']);
  assert.equal(queue.push(Uint8Array.of(12)), 12);
  assert.deepEqual(calls, ['pause'], 'paused once');
  assert.deepEqual(Array.from(queue.read(5)!), [1, 2, 3, 4, 5]);
  assert.deepEqual(calls, ['pause'], 'still above half (7 > 5)');
  assert.deepEqual(Array.from(queue.read(2)!), [6, 7]);
  assert.deepEqual(calls, ['pause', 'resume']);
  assert.deepEqual(Array.from(queue.read()!), [8, 9, 10, 11, 12]);
  assert.equal(queue.length, 0);
  assert.equal(queue.read(), undefined);
});
