import {
  assertClock,
  assertFsPort,
  assertKnownNestedOptions,
  assertKnownOptions,
} from "@snapwrite/core/sink-kit";
import { assertJournalName } from "./journal-name.js";
import type {
  GroupCommitOptions,
  JournalFollowerOptions,
  OpenJournalOptions,
} from "./journal-types.js";
import { positiveIntegerOption, seqOption } from "./option-numbers.js";
import type { RecoveryMode, ReplayJournalOptions } from "./replay-types.js";

/** The recovery modes of replay (see {@link RecoveryMode}). */
const RECOVERY_MODES: readonly string[] = [
  "tolerate-tail",
  "point-in-time",
  "absolute",
  "salvage",
] satisfies readonly RecoveryMode[];

/** The keys of {@link ReplayJournalOptions}. */
const REPLAY_OPTION_KEYS: ReadonlySet<string> = new Set([
  "dir",
  "name",
  "fs",
  "afterSeq",
  "recovery",
  "maxRecordBytes",
  "onRecord",
] satisfies (keyof ReplayJournalOptions)[]);

/** The keys of {@link OpenJournalOptions}. */
const OPEN_OPTION_KEYS: ReadonlySet<string> = new Set([
  "dir",
  "name",
  "fs",
  "clock",
  "durability",
  "recovery",
  "maxRecordBytes",
  "maxSegmentBytes",
  "group",
  "syncWrites",
  "preallocateBytes",
  "afterSeq",
  "onRecord",
  "onReplayEnd",
  "firstSeq",
  "lock",
  "random",
  "onEvent",
] satisfies (keyof OpenJournalOptions)[]);

const GROUP_OPTION_KEYS = ["maxBytes", "smallFirstBytes"] satisfies (keyof GroupCommitOptions)[];

/** The keys of `durability: { intervalMs }`. */
export const INTERVAL_DURABILITY_KEYS = ["intervalMs"] as const;

/**
 * Throws a `TypeError` for options that are no object, a key `known` does not hold (a typo would
 * silently keep a default; by default the keys of `replayJournal`), a `recovery` that is no mode
 * (a typo), an `onRecord` that is no function or an `fs` that is no complete `FsPort` (core
 * `assertFsPort`: it would otherwise fail as an `ERR_IO` at its first use).
 */
export function checkReplayOptions(
  options: Pick<ReplayJournalOptions, "recovery" | "onRecord">,
  caller: string,
  known: ReadonlySet<string> = REPLAY_OPTION_KEYS,
): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}: options are required ({ dir, name, … })`);
  }
  assertKnownOptions(caller, options, known);
  const { recovery, onRecord } = options;
  if (recovery !== undefined && !RECOVERY_MODES.includes(recovery)) {
    const modes = RECOVERY_MODES.map((mode) => JSON.stringify(mode)).join(", ");
    throw new TypeError(
      `${caller}: recovery must be one of ${modes} (got ${JSON.stringify(recovery)})`,
    );
  }
  if (onRecord !== undefined && typeof onRecord !== "function") {
    throw new TypeError(`${caller}: onRecord must be a function`);
  }
  checkDirAndName(options, caller);
  checkFs((options as { fs?: unknown }).fs, caller);
}

/** `TypeError` unless `fs` is left out or a complete `FsPort`. */
/** `TypeError` (core's `assertFsPort`, naming `caller`) for an injected `fs` that is no `FsPort`. */
export function checkFs(fs: unknown, caller: string): void {
  if (fs !== undefined) assertFsPort(fs, caller);
}

/** `TypeError` unless `dir` is a non-empty string and `name` a journal name (`assertJournalName`). */
function checkDirAndName(options: object, caller: string): void {
  const { dir, name } = options as { dir?: unknown; name?: unknown };
  if (typeof dir !== "string" || dir === "") throw new TypeError(`${caller}: dir is required`);
  assertJournalName(name, caller);
}

/**
 * Checks what the writer's own option resolution does not: that there are options at all, that
 * every key (also in `group` and `durability`) is one it knows, the replay options, the callbacks,
 * that `syncWrites` is a boolean, `lock` a `JournalLock`, `clock` a `Clock` (core `assertClock`)
 * and `random` a function (sizes are checked where they are resolved, in writer-state). `TypeError` for a wrong kind of value, `RangeError` for one out of
 * range; all before the open touches a file.
 */
export function checkOpenJournalOptions(options: OpenJournalOptions): void {
  checkReplayOptions(options, "openJournal", OPEN_OPTION_KEYS);
  const { group } = options;
  if (group !== undefined) {
    if (typeof group !== "object" || group === null) {
      throw new TypeError("openJournal: group must be an object { maxBytes?, smallFirstBytes? }");
    }
  }
  assertKnownNestedOptions("openJournal", options, {
    group: GROUP_OPTION_KEYS,
    durability: INTERVAL_DURABILITY_KEYS,
  });
  for (const key of ["onReplayEnd", "onEvent"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "function") {
      throw new TypeError(`openJournal: ${key} must be a function`);
    }
  }
  const { syncWrites, lock } = options as { syncWrites?: unknown; lock?: unknown };
  if (syncWrites !== undefined && typeof syncWrites !== "boolean") {
    throw new TypeError(`openJournal: syncWrites must be a boolean, got ${describe(syncWrites)}`);
  }
  const acquire = (lock as { acquire?: unknown } | null | undefined)?.acquire;
  if (lock !== undefined && (typeof lock !== "object" || typeof acquire !== "function")) {
    throw new TypeError(
      `openJournal: lock must be a JournalLock, an object with acquire(path) (for example createExclusiveFileLock()), got ${describe(lock)}`,
    );
  }
  checkClockAndRandom(options);
}

/**
 * `TypeError` for a `clock` without its three functions or a `random` that is no function, before
 * the directory is created (`null` takes the default, as it always did).
 */
function checkClockAndRandom(options: OpenJournalOptions): void {
  const { clock, random } = options as { clock?: unknown; random?: unknown };
  if (clock !== undefined && clock !== null) assertClock(clock, "openJournal");
  if (random !== undefined && random !== null && typeof random !== "function") {
    throw new TypeError(`openJournal: random must be a function, got ${describe(random)}`);
  }
}

/** What a value that is no option of the kind expected is, for the message. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return typeof value === "function" ? "a function" : String(value);
}

/** The keys of `createJournalFollower`'s options. */
const FOLLOWER_OPTION_KEYS = [
  "dir",
  "name",
  "fs",
  "afterSeq",
  "maxRecordBytes",
] satisfies (keyof JournalFollowerOptions)[];

/**
 * Checks follower options as `openJournal` checks the same keys: `TypeError` for options that are
 * no object, a key the follower does not know, a missing `dir`, a `name` that is no plain file name
 * or a missing `afterSeq`; `RangeError` for an `afterSeq` that is no safe integer ≥ 0 (a follower
 * would report `reset: "gap"` on every poll), `TypeError` for a `null` one, and a `maxRecordBytes`
 * that is no positive safe integer (through `resolvePolicy`; `TypeError` when it is no number).
 */
export function checkFollowerOptions(options: JournalFollowerOptions): void {
  const caller = "createJournalFollower";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}: options are required ({ dir, name, afterSeq, … })`);
  }
  assertKnownOptions(caller, options, FOLLOWER_OPTION_KEYS);
  checkDirAndName(options, caller);
  if (options.afterSeq === undefined) {
    throw new TypeError(
      `${caller}: afterSeq is required (the seq the follower's state covers: a snapshot's seq, or 0)`,
    );
  }
  seqOption(caller, "afterSeq", options.afterSeq, 0);
  checkFs((options as { fs?: unknown }).fs, caller);
  if (options.maxRecordBytes !== undefined) {
    positiveIntegerOption(caller, "maxRecordBytes", options.maxRecordBytes);
  }
}
