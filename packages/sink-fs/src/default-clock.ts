import type { Clock } from "@snapwrite/core";

/**
 * The default clock: `Date.now` and the global timers. They stay ref'd: a pause inside a write
 * (lock wait, rename retry) is part of work someone awaits, and must keep the process alive.
 */
export const DEFAULT_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, Math.max(0, ms));
  });
}
