import type { Clock } from "../contracts/clock.js";

/**
 * Throws a `TypeError` prefixed with `caller` unless `clock` is an object with the three
 * functions of a {@link Clock}: what every factory that takes an injected clock checks at once,
 * so a wrong one fails where it is passed rather than at the first timer.
 */
export function assertClock(clock: unknown, caller: string): asserts clock is Clock {
  const given = clock as Partial<Record<keyof Clock, unknown>> | null;
  if (typeof given !== "object" || given === null) {
    throw new TypeError(`${caller}: clock must be an object with now, setTimeout, clearTimeout`);
  }
  for (const name of ["now", "setTimeout", "clearTimeout"] as const) {
    if (typeof given[name] !== "function") {
      throw new TypeError(`${caller}: clock.${name} must be a function`);
    }
  }
}
