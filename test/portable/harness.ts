/**
 * A test registry that runs on both engines. On Node, tools/bind-node-test.ts hands every test to node:test; on
 * XS, tools/test-xs.ts bundles the portable tests with a runner that calls them one by one.
 */
export type TestFn = () => void | Promise<void>;

interface Registered {
  name: string;
  fn: TestFn;
}

type Binding = (name: string, fn: TestFn) => void;

const registry: Registered[] = [];

export function test(name: string, fn: TestFn): void {
  const bind = (globalThis as { __airbootTest?: Binding }).__airbootTest;
  if (bind) bind(name, fn);
  else registry.push({ name, fn });
}

/** Tests registered while no binding was installed (the XS runner takes them from here). */
export function registeredTests(): readonly Registered[] {
  return registry;
}
