import { assertKnownOptions, MAX_TIMER_MS } from "@snapwrite/core/sink-kit";

/**
 * A misspelt option would silently fall back to its default (`bakup: true` keeping no backup):
 * core's check, with this package's factory named.
 */
export function knownKeys(prefix: string, given: object, known: ReadonlySet<string>): void {
  assertKnownOptions("createFsSink", given, known, prefix);
}

export function objectOption<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`createFsSink: ${name} must be an options object`);
  }
  return value;
}

export function numberOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(`createFsSink: ${name} must be a number, got ${typeof value}`);
  }
  return value;
}

export function booleanOption(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`createFsSink: ${name} must be a boolean`);
  return value;
}

export function positiveNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_VALUE,
): number {
  const result = numberOption(name, value, fallback);
  if (!Number.isFinite(result) || result < min || result > max) {
    throw new RangeError(
      `createFsSink: ${name} must be a finite number ${max === Number.MAX_VALUE ? `>= ${min}` : `in ${min}..${max}`}, got ${String(result)}`,
    );
  }
  return result;
}

/** A duration option: every one ends up in a timer, so it must fit `setTimeout` (RangeError). */
export function milliseconds(
  name: string,
  value: number | undefined,
  fallback: number,
  min = 0,
): number {
  return positiveNumber(name, value, fallback, min, MAX_TIMER_MS);
}
