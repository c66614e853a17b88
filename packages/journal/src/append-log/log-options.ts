import { assertKnownNestedOptions, assertKnownOptions } from "@snapwrite/core/sink-kit";
import { INTERVAL_DURABILITY_KEYS } from "../journal-options.js";
import { DEFAULT_MAX_RECORD_BYTES } from "../segment-format.js";
import type {
  AppendLogRotation,
  OpenAppendLogOptions,
  ReadAppendLogOptions,
} from "./append-log-types.js";

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

/** The keys of `openAppendLog`'s options. */
const OPEN_OPTION_KEYS = [
  "path",
  "format",
  "lock",
  "rotate",
  "durability",
  "fs",
  "clock",
  "locker",
  "maxRecordBytes",
  "random",
] satisfies (keyof OpenAppendLogOptions)[];

const ROTATE_OPTION_KEYS = [
  "maxBytes",
  "maxAgeMs",
  "keep",
  "maxTotalBytes",
] satisfies (keyof AppendLogRotation)[];

/**
 * `TypeError` for `openAppendLog` options that are no object, have no `path`, or hold a key the log
 * does not know (also in `rotate` and `durability`): a typo (`durabilty: "os"`) would silently
 * keep the default.
 */
export function checkAppendLogOptions(options: OpenAppendLogOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("openAppendLog: options must be an object with a path");
  }
  if (typeof options.path !== "string" || options.path === "") {
    throw new TypeError("openAppendLog: path must be a non-empty string");
  }
  assertKnownOptions("openAppendLog", options, OPEN_OPTION_KEYS);
  const { rotate } = options;
  if (rotate !== undefined && (typeof rotate !== "object" || rotate === null)) {
    throw new TypeError("openAppendLog: rotate must be an object");
  }
  assertKnownNestedOptions("openAppendLog", options, {
    rotate: ROTATE_OPTION_KEYS,
    durability: INTERVAL_DURABILITY_KEYS,
  });
}

const READ_OPTION_KEYS = [
  "path",
  "fromSeq",
  "fs",
  "maxRecordBytes",
] satisfies (keyof ReadAppendLogOptions)[];

/**
 * `TypeError` for `readAppendLog` options that are no object, have no `path` or hold an unknown
 * key; `fromSeq` must be a number (`TypeError`) that is a safe integer ≥ 0 (`RangeError`: a
 * negative, fractional or `NaN` start would otherwise read from the beginning or skip everything).
 * Returns `fromSeq` with its default, 1.
 */
export function checkReadAppendLogOptions(options: ReadAppendLogOptions): number {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("readAppendLog: options must be an object with a path");
  }
  if (typeof options.path !== "string" || options.path === "") {
    throw new TypeError("readAppendLog: path must be a non-empty string");
  }
  assertKnownOptions("readAppendLog", options, READ_OPTION_KEYS);
  const fromSeq: unknown = options.fromSeq;
  if (fromSeq === undefined) return 1;
  if (typeof fromSeq !== "number") {
    throw new TypeError(`readAppendLog: fromSeq must be a number, got ${typeof fromSeq}`);
  }
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 0) {
    throw new RangeError(`readAppendLog: fromSeq must be a safe integer >= 0, got ${fromSeq}`);
  }
  return fromSeq;
}
