/**
 * How hard the property tests try. In CI each file runs its properties `ciRuns` times (sized so a file takes well
 * under 20 s); `npm run fuzz` (tools/fuzz.ts) sets AIRBOOT_FUZZ_SCALE to run the very same properties many times
 * more, and AIRBOOT_FUZZ_SEED to replay a run fast-check reported.
 */

/** Multiplier from AIRBOOT_FUZZ_SCALE (a positive number), 1 when unset or invalid. */
export function fuzzScale(): number {
  const scale = Number(process.env.AIRBOOT_FUZZ_SCALE);
  return Number.isFinite(scale) && scale > 0 ? scale : 1;
}

/** fast-check parameters: `ciRuns` × the scale (at least 1), and the seed when one was given. */
export function fuzzParameters(ciRuns: number): { numRuns: number; seed?: number } {
  const numRuns = Math.max(1, Math.round(ciRuns * fuzzScale()));
  const seed = Number.parseInt(process.env.AIRBOOT_FUZZ_SEED ?? '', 10);
  return Number.isFinite(seed) ? { numRuns, seed } : { numRuns };
}
