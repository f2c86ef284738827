/** Fake of Moddable's `instrumentation`: XS under xsnap has no such counters, so every name is unknown. */
const Instrumentation = {
  map: (_name: string): number | undefined => undefined,
  get: (_index: number): number | undefined => undefined,
};
export default Instrumentation;
