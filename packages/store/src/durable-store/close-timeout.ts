import { assertKnownOptions } from "@snapwrite/core/sink-kit";

const CLOSE_OPTION_KEYS: ReadonlySet<string> = new Set(["timeoutMs"]);

/** The default deadline of a durable store's `close()`, in ms. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

/**
 * The checked `timeoutMs` of `close(options)`: a number ≥ 0 or `Infinity` (no deadline), 30 s when
 * not given. A delay longer than a Node timer takes is waited in steps (core's `LongTimer`). Throws
 * `TypeError`/`RangeError` before close starts, so a bad value abandons nothing.
 */
export function closeTimeoutOf(options: unknown): number {
  if (options === undefined) return DEFAULT_CLOSE_TIMEOUT_MS;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError("close: options must be an object");
  }
  assertKnownOptions("close", options, CLOSE_OPTION_KEYS);
  const { timeoutMs } = options as { timeoutMs?: unknown };
  if (timeoutMs === undefined) return DEFAULT_CLOSE_TIMEOUT_MS;
  if (typeof timeoutMs !== "number") {
    throw new TypeError("close: timeoutMs must be a number (ms, or Infinity)");
  }
  if (Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`close: timeoutMs must be ≥ 0 (or Infinity), got ${timeoutMs}`);
  }
  return timeoutMs;
}
