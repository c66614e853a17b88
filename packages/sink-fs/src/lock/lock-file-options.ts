import type { FsPort } from "@snapwrite/core";
import { assertFsPort, assertKnownOptions, MAX_TIMER_MS } from "@snapwrite/core/sink-kit";

/** Options of `lockFile`. */
export interface LockFileOptions {
  /** How long to wait for a held lock before failing with `ERR_LOCKED`, in ms. Default `5_000`. */
  readonly waitMs?: number | undefined;
  /**
   * A lock whose owner has not refreshed it for this long is abandoned and broken, in ms. Holders
   * refresh every `staleMs / 3`; an owner that is provably gone is broken at once. Default `30_000`.
   */
  readonly staleMs?: number | undefined;
  /** First pause between attempts, in ms; doubles (jittered) up to 250 ms. Default `10`. */
  readonly pollMs?: number | undefined;
  /** Aborts the wait with `ERR_ABORTED` (stage `lock`, the signal's reason as `cause`). */
  readonly signal?: AbortSignal | undefined;
  /** File system to use. Default `node:fs/promises`. */
  readonly fs?: FsPort | undefined;
}

const LOCK_OPTION_KEYS: ReadonlySet<string> = new Set<keyof LockFileOptions>([
  "waitMs",
  "staleMs",
  "pollMs",
  "signal",
  "fs",
]);

/** `lockFile`'s settings: its options checked, with their defaults. */
export interface LockFileSettings {
  readonly staleMs: number;
  readonly waitMs: number;
  readonly pollMs: number;
}

/**
 * Throws what `lockFile` rejects with for `options`, without touching any file: a `TypeError` for
 * options that are no object, an unknown key or a value of the wrong type, a `RangeError` for a
 * duration that is not finite or out of its range (`staleMs` and `pollMs` in 1..2^31 − 1 ms,
 * `waitMs` in 0..2^31 − 1 ms: each ends up in a timer). For code that takes lock options now and
 * locks later (`@snapwrite/journal`'s `createExclusiveFileLock`), so that a mistake shows where it
 * was made; `caller` names that code in the messages (default `"lockFile"`).
 */
export function checkLockFileOptions(options: LockFileOptions, caller = "lockFile"): void {
  lockFileSettings(options, caller);
}

/** `lockFile`'s options checked (see {@link checkLockFileOptions}), with their defaults. */
export function lockFileSettings(options: LockFileOptions, caller = "lockFile"): LockFileSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}: options must be an object`);
  }
  assertKnownOptions(caller, options, LOCK_OPTION_KEYS);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`${caller}: signal must be an AbortSignal`);
  }
  if (options.fs !== undefined) assertFsPort(options.fs, caller);
  return {
    staleMs: duration(caller, "staleMs", options.staleMs, 30_000, 1),
    waitMs: duration(caller, "waitMs", options.waitMs, 5_000, 0),
    pollMs: duration(caller, "pollMs", options.pollMs, 10, 1),
  };
}

function duration(
  caller: string,
  name: string,
  value: unknown,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(`${caller}: ${name} must be a number, got ${typeof value}`);
  }
  if (!Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    throw new RangeError(
      `${caller}: ${name} must be a finite number in ${min}..${MAX_TIMER_MS}, got ${value}`,
    );
  }
  return value;
}
