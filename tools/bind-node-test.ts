// Loaded with `node --import` before any test file: portable tests register through node:test on Node.
import { test } from 'node:test';

(globalThis as { __airbootTest?: (name: string, fn: () => unknown) => void }).__airbootTest = (name, fn) => {
  test(name, async () => {
    await fn();
  });
};
