import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";

/** `value` when it is a number, else a `TypeError` naming `caller` and the option. */
function numberOption(caller: string, name: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(`${caller}: ${name} must be a number, got ${typeof value}`);
  }
  return value;
}

/**
 * A count or a size in bytes: a positive safe integer, else a `RangeError` (`0`, negative,
 * fractional, `NaN`, `±Infinity`); anything but a number is a `TypeError`.
 */
export function positiveIntegerOption(caller: string, name: string, value: unknown): number {
  const n = numberOption(caller, name, value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${caller}: ${name} must be a positive integer, got ${n}`);
  }
  return n;
}

/**
 * A duration only compared with the clock (no timer waits for it, so it has no upper bound): a
 * positive finite number, else a `RangeError`; anything but a number is a `TypeError`.
 */
export function positiveNumberOption(caller: string, name: string, value: unknown): number {
  const n = numberOption(caller, name, value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new RangeError(`${caller}: ${name} must be a positive number, got ${n}`);
  }
  return n;
}

/**
 * A delay a timer waits, again and again: whole ms in 1..`MAX_TIMER_MS` (2^31 − 1), else a
 * `RangeError` naming that bound — Node fires a longer timer after 1 ms, with a warning each
 * time, which would turn a long interval into a busy loop; anything but a number is a `TypeError`.
 */
export function timerMsOption(caller: string, name: string, value: unknown): number {
  const n = numberOption(caller, name, value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_TIMER_MS) {
    throw new RangeError(`${caller}: ${name} must be an integer in 1..${MAX_TIMER_MS}, got ${n}`);
  }
  return n;
}

/**
 * A seq: a safe integer ≥ `min` (0 for a seq a state covers, 1 for the seq of a record), else a
 * `RangeError` — for anything that is no such number, a string such as `"3"` included.
 */
export function seqOption(caller: string, name: string, value: unknown, min: 0 | 1): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    const got = typeof value === "string" ? JSON.stringify(value) : String(value);
    throw new RangeError(`${caller}: ${name} must be a safe integer ≥ ${min}, got ${got}`);
  }
  return value;
}
