import { assertKnownNestedOptions, assertKnownOptions } from "@snapwrite/core/sink-kit";
import type { CompactionPolicy } from "@snapwrite/journal";
import type { OpenDurableStoreOptions, StoreFilesOptions } from "./durable-store-types.js";
import type { OpenFollowerStoreOptions } from "./follower-store/follower-store-types.js";

type Keys<T> = (keyof T)[];

const FILES_KEYS = ["dir", "name", "fs", "codec", "ops", "apply", "empty", "replay"] satisfies Keys<
  StoreFilesOptions<unknown, unknown>
>;

const DURABLE_STORE_KEYS = [
  ...FILES_KEYS,
  "durability",
  "groupCommit",
  "writeBehind",
  "compaction",
  "recovery",
  "clock",
  "maxSegmentBytes",
  "preallocateBytes",
  "maxRecordBytes",
  "lock",
  "loadExternal",
  "replaySliceMs",
  "replica",
] satisfies Keys<OpenDurableStoreOptions<unknown, unknown>>;

/** The nested option objects of `openDurableStore` and the keys each takes. */
const DURABLE_STORE_NESTED: Readonly<Record<string, readonly string[]>> = {
  durability: ["intervalMs"],
  groupCommit: ["maxBytes", "smallFirstBytes", "maxCommands"],
  writeBehind: ["debounceMs", "maxDelayMs"],
  compaction: ["minBytes", "ratio", "maxRecords", "maxAgeMs", "keep"] satisfies Keys<
    CompactionPolicy & { keep?: number }
  >,
};

const FOLLOWER_STORE_KEYS = [
  ...FILES_KEYS,
  "refresh",
  "clock",
  "maxRecordBytes",
  "replaySliceMs",
] satisfies Keys<OpenFollowerStoreOptions<unknown, unknown>>;

/**
 * `TypeError` for a key `factory` does not take, at the top level or inside one of `nested` (a
 * typo such as `durabilty` or `groupCommit.maxByte` would silently keep the default). Nested
 * values that are no object are left to the checks of their values.
 */
function checkKeys(
  factory: string,
  options: object,
  known: readonly string[],
  nested: Readonly<Record<string, readonly string[]>>,
): void {
  assertKnownOptions(factory, options, known);
  assertKnownNestedOptions(factory, options, nested);
}

/**
 * Option names of the design's sketch that this package spells differently: refused with a message
 * that names where the option lives, rather than the generic list.
 */
const DURABLE_STORE_MOVED: Readonly<Record<string, string>> = {
  refresh:
    "a store that follows another process's journal is opened with openFollowerStore({ refresh: { intervalMs } })",
  executor:
    "snapshots are encoded off the owner thread through the `replica` option (a StoreReplica of @snapwrite/executor-worker)",
};

/** The key check of `openDurableStore`'s options (after `checkStoreFilesOptions`). */
export function checkDurableStoreKeys(options: object): void {
  for (const [key, where] of Object.entries(DURABLE_STORE_MOVED)) {
    if (Object.hasOwn(options, key)) {
      throw new TypeError(`openDurableStore: unknown option ${JSON.stringify(key)}; ${where}`);
    }
  }
  checkKeys("openDurableStore", options, DURABLE_STORE_KEYS, DURABLE_STORE_NESTED);
}

/** The key check of `openFollowerStore`'s options (after `checkStoreFilesOptions`). */
export function checkFollowerStoreKeys(options: object): void {
  checkKeys("openFollowerStore", options, FOLLOWER_STORE_KEYS, { refresh: ["intervalMs"] });
}
