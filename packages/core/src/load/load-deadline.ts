import type { TargetId } from "../contracts/target.js";
import { PersistenceError } from "../errors/persistence-error.js";
import { LongTimer } from "../sink-kit/long-timer.js";
import { raceAbort } from "../sink-kit/race-abort.js";
import { systemClock } from "../sink-kit/system-clock.js";

/** What {@link withLoadDeadline} resolves with when the deadline or the signal wins. Internal. */
export interface LoadStopped {
  readonly ok: false;
  readonly error: PersistenceError;
}

/** Validates a load `timeoutMs`: `>= 0`, `Infinity` for none (the default). Internal. */
export function loadTimeoutMs(value: unknown, name = "timeoutMs"): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (typeof value !== "number") throw new TypeError(`${name} must be a number`);
  if (Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be >= 0 or Infinity, got ${value}`);
  }
  return value;
}

/** Validates a load `signal`. Internal. */
export function assertLoadSignal(value: unknown, name = "signal"): void {
  if (value === undefined) return;
  if (
    typeof value !== "object" ||
    value === null ||
    typeof (value as AbortSignal).aborted !== "boolean" ||
    typeof (value as AbortSignal).addEventListener !== "function"
  ) {
    throw new TypeError(`${name} must be an AbortSignal`);
  }
}

/**
 * Runs `load` with a signal that aborts when `signal` does (`ERR_ABORTED`, its reason as `cause`)
 * or when `timeoutMs` passes (`ERR_TIMEOUT`), and resolves with `{ ok: false, error }` as soon as
 * either happens, whether or not the sink honours the signal it was given. Without a signal and
 * a deadline it just runs `load`. Internal.
 */
export async function withLoadDeadline<R>(
  target: TargetId,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  load: (signal: AbortSignal | undefined) => Promise<R>,
): Promise<R | LoadStopped> {
  if (signal === undefined && timeoutMs === Number.POSITIVE_INFINITY) return load(undefined);
  const controller = new AbortController();
  const onAbort = (): void => {
    controller.abort(
      new PersistenceError("ERR_ABORTED", `load of ${JSON.stringify(target)} was aborted`, {
        target,
        cause: signal?.reason,
      }),
    );
  };
  if (signal?.aborted === true) {
    onAbort();
    // Nothing is read for a load aborted before it began.
    return { ok: false, error: controller.signal.reason as PersistenceError };
  }
  signal?.addEventListener("abort", onAbort, { once: true });
  // Through the system clock, which reads the global timers at call time (fake timers work).
  const timer = new LongTimer(systemClock, () => {
    controller.abort(
      new PersistenceError(
        "ERR_TIMEOUT",
        `load of ${JSON.stringify(target)} did not finish within ${timeoutMs} ms`,
        { target, details: { timeoutMs } },
      ),
    );
  });
  timer.arm(timeoutMs);
  try {
    return await raceAbort(load(controller.signal), controller.signal, (s) => s.reason);
  } catch (error) {
    if (controller.signal.aborted && error === controller.signal.reason) {
      return { ok: false, error: error as PersistenceError };
    }
    throw error;
  } finally {
    timer.cancel();
    signal?.removeEventListener("abort", onAbort);
  }
}
