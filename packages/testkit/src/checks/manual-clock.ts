import type { Clock } from "@snapwrite/core";

/** A {@link Clock} whose time moves only when told to. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` (a finite number >= 0, else `RangeError`), firing due timers in order. */
  advance(ms: number): void;
  /** Number of timers waiting. */
  readonly pending: number;
}

/** Creates a {@link ManualClock} starting at `start` ms. */
export function createManualClock(start = 0): ManualClock {
  if (typeof start !== "number" || !Number.isFinite(start)) {
    throw new RangeError(`createManualClock: start must be a finite number, got ${String(start)}`);
  }
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      // As Node's timers: a delay below 0 or NaN means "as soon as possible".
      timers.set(id, { at: now + (ms > 0 ? ms : 0), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    get pending() {
      return timers.size;
    },
    advance(ms) {
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        throw new RangeError(
          `ManualClock.advance: ms must be a finite number >= 0 (time never moves back), got ${String(ms)}`,
        );
      }
      const until = now + ms;
      if (!Number.isFinite(until)) {
        throw new RangeError(`ManualClock.advance: now + ${ms} is past the largest finite time`);
      }
      for (;;) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= until && (due === undefined || entry[1].at < due[1].at)) due = entry;
        }
        if (due === undefined) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = until;
    },
  };
}
