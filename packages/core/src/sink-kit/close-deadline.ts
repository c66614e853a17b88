import type { SinkCloseOptions } from "../contracts/sink.js";
import { PersistenceError } from "../errors/persistence-error.js";
import { assertKnownOptions } from "./known-options.js";

/** The checked `timeoutMs` of a sink's `close(options)`; `undefined` when there is none. */
export function closeTimeoutOf(options: SinkCloseOptions | undefined): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) {
    throw new TypeError("close: options must be an object");
  }
  assertKnownOptions("close", options, ["timeoutMs"]);
  const { timeoutMs } = options;
  if (timeoutMs === undefined) return undefined;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError("close: timeoutMs must be a finite number ≥ 0");
  }
  return timeoutMs;
}

/**
 * `closing`, or `ERR_TIMEOUT` once `timeoutMs` passed before it settled. The timer never keeps the
 * process alive and is cleared when `closing` settles first.
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
    (timer as { unref?: () => void }).unref?.();
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
