import { MAX_TIMER_MS, resolveOptionValue } from "@snapwrite/core/sink-kit";

// Every interval and size option of the journal goes through core's `resolvePolicy` (by
// `resolveOptionValue`, with no environment variables): one set of rules and messages —
// `openJournal: group.maxBytes must be >= 1, got 0`. Only a left-out option takes its default;
// anything but a number (`null` too) is a `TypeError`, `NaN`, `±Infinity`, a fraction or a value
// out of bounds a `RangeError`.

/** The bounds of an integer option: `[min, max]`, a safe integer unless `max` says less. */
function integerBounds(min: number, max = Number.MAX_SAFE_INTEGER) {
  return { min, max, integer: true } as const;
}

/**
 * One option through `resolvePolicy`: `value`, or `fallback` when left out (no fallback: the
 * option is required, and leaving it out is a `TypeError`).
 */
function resolveOne(
  caller: string,
  name: string,
  value: unknown,
  fallback: number | undefined,
  bounds: Parameters<typeof resolveOptionValue>[4],
): number {
  return resolveOptionValue(caller, name, value, fallback as number, bounds);
}

/**
 * A count or a size in bytes: a positive safe integer (`fallback` when left out), else a
 * `RangeError` (`0`, negative, fractional, `NaN`, `±Infinity`); anything but a number is a
 * `TypeError`.
 */
export function positiveIntegerOption(
  caller: string,
  name: string,
  value: unknown,
  fallback?: number,
): number {
  return resolveOne(caller, name, value, fallback, integerBounds(1));
}

/**
 * An integer size of at least `min` bytes (`0` for "none"), a safe integer, `fallback` when left
 * out; else as {@link positiveIntegerOption}.
 */
export function sizeOption(
  caller: string,
  name: string,
  value: unknown,
  fallback: number,
  min: number,
): number {
  return resolveOne(caller, name, value, fallback, integerBounds(min));
}

/**
 * A duration only compared with the clock (no timer waits for it, so it has no upper bound): a
 * positive finite number, else a `RangeError`; anything but a number is a `TypeError`.
 */
export function positiveNumberOption(caller: string, name: string, value: unknown): number {
  const n = resolveOne(caller, name, value, undefined, { min: 0 });
  if (n === 0) throw new RangeError(`${caller}: ${name} must be > 0, got 0`);
  return n;
}

/**
 * A delay a timer waits, again and again: whole ms in 1..`MAX_TIMER_MS` (2^31 − 1), else a
 * `RangeError` naming that bound — Node fires a longer timer after 1 ms, with a warning each
 * time, which would turn a long interval into a busy loop; anything but a number is a `TypeError`.
 */
export function timerMsOption(caller: string, name: string, value: unknown): number {
  return resolveOne(caller, name, value, undefined, integerBounds(1, MAX_TIMER_MS));
}

/**
 * A seq: a safe integer ≥ `min` (0 for a seq a state covers, 1 for the seq of a record), else a
 * `RangeError` — for anything that is no such number, a string such as `"3"` included; `null`
 * is a `TypeError` (no option takes `null` for its default).
 */
export function seqOption(caller: string, name: string, value: unknown, min: 0 | 1): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    const got = typeof value === "string" ? JSON.stringify(value) : String(value);
    const message = `${caller}: ${name} must be a safe integer ≥ ${min}, got ${got}`;
    throw value === null ? new TypeError(message) : new RangeError(message);
  }
  return value;
}
