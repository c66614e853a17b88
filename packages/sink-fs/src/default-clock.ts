import type { Clock } from "@snapwrite/core";
import { systemClock } from "@snapwrite/core/sink-kit";

/**
 * The default clock: core's `systemClock` timers with wall-clock time (`Date.now`). Lock records
 * and quarantine names are compared with file mtimes and read by other processes, so they need the
 * wall clock, not `systemClock`'s monotonic time, which drifts from it. The timers stay ref'd: a
 * pause inside a write (lock wait, rename retry) is part of work someone awaits.
 */
export const DEFAULT_CLOCK: Clock = Object.freeze({ ...systemClock, now: () => Date.now() });

/** Resolves after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, Math.max(0, ms));
  });
}
