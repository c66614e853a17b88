import type { Clock } from "@snapwrite/core";
import { systemClock } from "@snapwrite/core/sink-kit";

/**
 * The default clock: core's `systemClock` timers with wall-clock time (`Date.now`). Lock records
 * and quarantine names are compared with file mtimes and read by other processes, so they need the
 * wall clock, not `systemClock`'s monotonic time, which drifts from it. The timers stay ref'd: a
 * pause inside a write (lock wait, rename retry) is part of work someone awaits.
 */
export const DEFAULT_CLOCK: Clock = Object.freeze({ ...systemClock, now: () => Date.now() });

/**
 * Resolves after `ms` on `clock`, or as soon as `signal` aborts (the timer then cleared): the
 * caller checks the signal after the pause, so an abort takes effect at once, not at the next poll.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      resolve();
    };
    const timer = clock.setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
