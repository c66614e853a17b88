import type { SinkCloseOptions } from "../contracts/sink.js";
import { PersistenceError } from "../errors/persistence-error.js";
import { assertKnownOptions } from "./known-options.js";
import { MAX_TIMER_MS } from "./long-timer.js";

/**
 * The checked `timeoutMs` of a sink's `close(options)`; `undefined` when there is none (also for
 * `Infinity`, as the writer's `close` takes it). Throws `TypeError`/`RangeError` for bad options.
 */
export function closeTimeoutOf(options: SinkCloseOptions | undefined): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError("close: options must be an object");
  }
  assertKnownOptions("close", options, ["timeoutMs"]);
  const { timeoutMs } = options;
  if (timeoutMs === undefined || timeoutMs === Number.POSITIVE_INFINITY) return undefined;
  if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RangeError("close: timeoutMs must be a number ≥ 0");
  }
  if (timeoutMs > MAX_TIMER_MS) {
    throw new RangeError(`close: timeoutMs must be at most ${MAX_TIMER_MS} (or Infinity)`);
  }
  return timeoutMs;
}

/**
 * `closing`, or `ERR_TIMEOUT` once `timeoutMs` passed before it settled. The timer keeps the process
 * alive until one of them happens (the caller is waiting for the answer), and is cleared when
 * `closing` settles first.
 */
export function withCloseDeadline(closing: Promise<void>, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new PersistenceError(
          "ERR_TIMEOUT",
          `the sink did not close within ${timeoutMs} ms: operations are still running`,
          { details: { timeoutMs } },
        ),
      );
    }, timeoutMs);
    closing.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
