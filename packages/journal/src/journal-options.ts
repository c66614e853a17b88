import { assertKnownNestedOptions, assertKnownOptions } from "@snapwrite/core/sink-kit";
import type {
  GroupCommitOptions,
  JournalFollowerOptions,
  OpenJournalOptions,
} from "./journal-types.js";
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
 * (a typo) or an `onRecord` that is no function.
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
  const { dir, name } = options as { dir?: unknown; name?: unknown };
  if (typeof dir !== "string" || dir === "") throw new TypeError(`${caller}: dir is required`);
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new TypeError(`${caller}: name must be a plain file name`);
  }
}

/**
 * Checks what the writer's own option resolution does not: that there are options at all, that
 * every key (also in `group` and `durability`) is one it knows, the replay options and the callbacks (sizes are checked where they are resolved, in writer-state). `TypeError` for a wrong kind of value,
 * `RangeError` for one out of range.
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
}

/** The keys of `createJournalFollower`'s options. */
const FOLLOWER_OPTION_KEYS = [
  "dir",
  "name",
  "fs",
  "afterSeq",
  "maxRecordBytes",
] satisfies (keyof JournalFollowerOptions)[];

/** `TypeError` for follower options that are no object or hold a key the follower does not know. */
export function checkFollowerOptions(options: object): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createJournalFollower: options are required ({ dir, name, afterSeq, … })");
  }
  assertKnownOptions("createJournalFollower", options, FOLLOWER_OPTION_KEYS);
}
