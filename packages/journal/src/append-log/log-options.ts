import { DEFAULT_MAX_RECORD_BYTES } from "../segment-format.js";

/**
 * The bound on one record: a positive integer (default 16 MiB). `0`, a negative, fractional or
 * non-finite number is a `RangeError`, anything but a number a `TypeError`.
 */
export function checkMaxRecordBytes(value: unknown, caller: string): number {
  if (value === undefined) return DEFAULT_MAX_RECORD_BYTES;
  if (typeof value !== "number") {
    throw new TypeError(`${caller}: maxRecordBytes must be a number, got ${typeof value}`);
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${caller}: maxRecordBytes must be a positive integer, got ${value}`);
  }
  return value;
}
