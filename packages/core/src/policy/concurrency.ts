import { resolveOptionValue } from "./option-values.js";

/**
 * Largest finite `concurrency` of the writer and of `loadTargets`: far above what a sink or a file
 * system gains from (each running write or load holds a file descriptor, a connection or a worker's
 * time), and low enough that a slip such as `1e300` is refused instead of silently meaning "no
 * bound". `Infinity` asks for no bound explicitly. Internal.
 */
export const MAX_CONCURRENCY = 1024;

/**
 * A `concurrency` option through `resolvePolicy`: an integer in `1..MAX_CONCURRENCY` (`RangeError`
 * outside, `TypeError` for no number, `null` included), `Infinity` for no bound, `fallback` when
 * left out. Internal.
 */
export function resolveConcurrency(value: unknown, fallback: number): number {
  // resolvePolicy takes `Infinity` only for an entry without a `max`: "no bound" is checked here.
  if (value === Number.POSITIVE_INFINITY) return value;
  const bounds = { min: 1, max: MAX_CONCURRENCY, integer: true };
  return resolveOptionValue(undefined, "concurrency", value, fallback, bounds);
}
