import {
  assertClock,
  assertKnownNestedOptions,
  assertKnownOptions,
} from "@snapwrite/core/sink-kit";
import { checkFs, INTERVAL_DURABILITY_KEYS } from "../journal-options.js";
import { positiveIntegerOption, positiveNumberOption, timerMsOption } from "../option-numbers.js";
import { DEFAULT_MAX_RECORD_BYTES } from "../segment-format.js";
import type {
  AppendLogDurability,
  AppendLogRotation,
  OpenAppendLogOptions,
  ReadAppendLogOptions,
} from "./append-log-types.js";

/**
 * The bound on one record: a positive integer (default 16 MiB). `0`, a negative, fractional or
 * non-finite number is a `RangeError`, anything but a number a `TypeError`.
 */
export function checkMaxRecordBytes(value: unknown, caller: string): number {
  return positiveIntegerOption(caller, "maxRecordBytes", value, DEFAULT_MAX_RECORD_BYTES);
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
 * `TypeError` for injected parts of the wrong kind — `fs` no complete `FsPort`, `clock` without its three
 * functions, `random` no function, `locker` no object with `acquire` — so that none fails only
 * once the directory was created and the active file opened. `null` is no default for any.
 */
function checkInjected(options: OpenAppendLogOptions): void {
  checkFs(options.fs, "openAppendLog");
  if (options.clock !== undefined) assertClock(options.clock, "openAppendLog");
  if (options.random !== undefined && typeof options.random !== "function") {
    throw new TypeError("openAppendLog: random must be a function");
  }
  const locker: unknown = options.locker;
  if (
    locker !== undefined &&
    (typeof locker !== "object" ||
      locker === null ||
      typeof (locker as { acquire?: unknown }).acquire !== "function")
  ) {
    throw new TypeError("openAppendLog: locker must be a JournalLock (an object with acquire)");
  }
}

/**
 * `TypeError` for `openAppendLog` options that are no object, have no `path`, or hold a key the log
 * does not know (also in `rotate` and `durability`): a typo (`durabilty: "os"`) would silently
 * keep the default. An injected part of the wrong kind is one too (see {@link checkInjected}).
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
  if (
    rotate !== undefined &&
    (typeof rotate !== "object" || rotate === null || Array.isArray(rotate))
  ) {
    throw new TypeError("openAppendLog: rotate must be an object");
  }
  assertKnownNestedOptions("openAppendLog", options, {
    rotate: ROTATE_OPTION_KEYS,
    durability: INTERVAL_DURABILITY_KEYS,
  });
  checkInjected(options);
}

/**
 * `durability` with its default, `"append"`: `"append"`, `"os"` or `{ intervalMs }` with whole ms
 * in 1..2^31 − 1 (`RangeError`: a timer waits for it); anything else is a `TypeError`.
 */
export function checkAppendLogDurability(
  durability: AppendLogDurability | undefined,
): AppendLogDurability {
  if (durability === undefined) return "append";
  if (durability === "append" || durability === "os") return durability;
  if (typeof durability !== "object" || durability === null) {
    throw new TypeError("openAppendLog: bad durability");
  }
  timerMsOption("openAppendLog", "durability.intervalMs", durability.intervalMs);
  return durability;
}

/**
 * `rotate`: `maxBytes`, `keep` and `maxTotalBytes` count bytes or files, so each is a positive
 * integer; `maxAgeMs` is compared with the clock (no timer waits for it), so any positive finite
 * number. Out of range is a `RangeError`, no number a `TypeError`.
 */
export function checkRotation(rotate: AppendLogRotation): AppendLogRotation {
  for (const key of ["maxBytes", "keep", "maxTotalBytes"] as const) {
    if (rotate[key] !== undefined)
      positiveIntegerOption("openAppendLog", `rotate.${key}`, rotate[key]);
  }
  if (rotate.maxAgeMs !== undefined) {
    positiveNumberOption("openAppendLog", "rotate.maxAgeMs", rotate.maxAgeMs);
  }
  return rotate;
}

const READ_OPTION_KEYS = [
  "path",
  "fromSeq",
  "fs",
  "maxRecordBytes",
  "format",
] satisfies (keyof ReadAppendLogOptions)[];

/**
 * `TypeError` for `readAppendLog` options that are no object, have no `path`, hold an unknown
 * key or a `format` that is neither `"jsonl"` nor `"framed"`; `fromSeq` must be a number (`TypeError`) that is a safe integer ≥ 0 (`RangeError`: a
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
  checkFs(options.fs, "readAppendLog");
  const format: unknown = options.format;
  if (format !== undefined && format !== "jsonl" && format !== "framed") {
    throw new TypeError(
      `readAppendLog: format must be "jsonl" or "framed", got ${JSON.stringify(format)}`,
    );
  }
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
