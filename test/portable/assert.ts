/** Assertions that run on XS as on Node (node:assert does not exist on XS). */

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    // Defined, not assigned: the XS runs freeze the built-ins as a device does (tools/xs-suite.ts).
    Object.defineProperty(this, 'name', { value: 'AssertionError', writable: true, configurable: true });
  }
}

export function ok(value: unknown, message = 'expected a truthy value'): asserts value {
  if (!value) throw new AssertionError(message);
}

export function equal<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(message ?? `expected ${show(expected)}, got ${show(actual)}`);
  }
}

export function notEqual<T>(actual: T, expected: T, message?: string): void {
  if (Object.is(actual, expected))
    throw new AssertionError(message ?? `expected something other than ${show(expected)}`);
}

/** Structural equality for plain objects, arrays and typed arrays. */
export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  const path = difference(actual, expected, '$');
  if (path) throw new AssertionError(message ?? `values differ at ${path}`);
}

/** Byte-for-byte equality of two byte arrays, naming the first differing offset. */
export function bytesEqual(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  if (actual.length !== expected.length) {
    throw new AssertionError(message ?? `expected ${expected.length} bytes, got ${actual.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new AssertionError(
        message ?? `bytes differ at offset ${i}: expected ${hex(expected[i]!)}, got ${hex(actual[i]!)}`,
      );
    }
  }
}

type ErrorMatch = { code?: string; name?: string; message?: RegExp } & Record<string, unknown>;

/** Run `fn`, expect it to throw an error matching `match`; returns the error for further checks. */
export function throws(fn: () => unknown, match: ErrorMatch = {}): Error {
  try {
    fn();
  } catch (error) {
    check(error, match);
    return error as Error;
  }
  throw new AssertionError(`expected an error matching ${show(match)}, nothing was thrown`);
}

export async function rejects(
  work: Promise<unknown> | (() => Promise<unknown>),
  match: ErrorMatch = {},
): Promise<Error> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    check(error, match);
    return error as Error;
  }
  throw new AssertionError(`expected a rejection matching ${show(match)}, the promise resolved`);
}

export function match(text: string, pattern: RegExp, message?: string): void {
  if (!pattern.test(text)) throw new AssertionError(message ?? `${show(text)} does not match ${pattern}`);
}

function check(error: unknown, expected: ErrorMatch): void {
  if (!(error instanceof Error)) throw new AssertionError(`expected an Error, got ${show(error)}`);
  for (const [key, want] of Object.entries(expected)) {
    const got = (error as unknown as Record<string, unknown>)[key];
    if (want instanceof RegExp) {
      if (typeof got !== 'string' || !want.test(got)) {
        throw new AssertionError(
          `error ${key} ${show(got)} does not match ${want} (${error.name}: ${error.message})`,
        );
      }
    } else if (!Object.is(got, want)) {
      throw new AssertionError(
        `error ${key} is ${show(got)}, expected ${show(want)} (${error.name}: ${error.message})`,
      );
    }
  }
}

function difference(a: unknown, b: unknown, path: string): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: expected ${show(b)}, got ${show(a)}`;
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b) || Array.isArray(a) || Array.isArray(b)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return `${path}.length: expected ${y.length}, got ${x.length}`;
    for (let i = 0; i < x.length; i++) {
      const inner = difference(x[i], y[i], `${path}[${i}]`);
      if (inner) return inner;
    }
    return undefined;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const inner = difference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (inner) return inner;
  }
  return undefined;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}
