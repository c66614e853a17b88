import type { PolicyEntry } from "@snapwrite/core";
import { MAX_TIMER_MS, optionEntry, resolveOptionValues } from "@snapwrite/core/sink-kit";
import {
  type JournalDurability,
  MAX_SEGMENT_BYTES,
  MIN_SEGMENT_BYTES,
  MIN_SMALL_FIRST_BYTES,
} from "@snapwrite/journal";
import type { OpenDurableStoreOptions } from "../durable-store-types.js";

/** The store's resolved numeric options. */
export interface Policy {
  readonly maxBytes: number;
  readonly smallFirstBytes: number;
  readonly maxCommands: number;
  readonly debounceMs: number;
  readonly maxDelayMs: number;
  readonly maxRecordBytes: number;
  readonly maxSegmentBytes: number;
  readonly preallocateBytes: number;
  readonly replaySliceMs: number;
  readonly keep: number;
}

/**
 * An integer option for `resolvePolicy` (no environment variable): `fallback` when left out,
 * within `[min, max]`. A timer's delay takes `max: MAX_TIMER_MS`, the longest Node's timers wait
 * (a longer one would fire after 1 ms). Internal.
 */
export function intOption(
  value: number | undefined,
  fallback: number,
  min: number,
  max?: number,
): PolicyEntry {
  // Only a left-out option takes the default: a `null` is no number and `resolvePolicy` says so.
  return optionEntry(value, fallback, { min, max, integer: true });
}

/** An object of options, `{}` when left out; anything else (`null` too) is a `TypeError`. */
function optionGroup<T extends object>(value: T | undefined, name: string, shape: string): T {
  if (value === undefined) return {} as T;
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `openDurableStore: ${name} must be an object ${shape}, got ${describe(value)}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/**
 * Checks `options.durability` and returns it with its default. `intervalMs` is a timer's delay: an
 * integer in `[1, MAX_TIMER_MS]`.
 */
export function resolveDurability<S, Op>(
  options: OpenDurableStoreOptions<S, Op>,
): JournalDurability {
  const durability = options.durability === undefined ? "commit" : options.durability;
  if (typeof durability === "object" && durability !== null) {
    resolveOptionValues("openDurableStore", {
      "durability.intervalMs": {
        default: durability.intervalMs,
        min: 1,
        max: MAX_TIMER_MS,
        integer: true,
      },
    });
  } else if (durability !== "commit" && durability !== "os") {
    throw new TypeError('openDurableStore: durability must be "commit", "os" or { intervalMs }');
  }
  return durability;
}

/**
 * Resolves the numeric options with their defaults through `resolvePolicy`, each named by its path
 * (`openDurableStore: writeBehind.debounceMs must be <= 2147483647, got …`). The write-behind
 * delays are timers' and are bounded by `MAX_TIMER_MS`. `maxSegmentBytes` and
 * `groupCommit.smallFirstBytes` take the journal's own bounds (`MIN_SEGMENT_BYTES`,
 * `MAX_SEGMENT_BYTES`, `MIN_SMALL_FIRST_BYTES`), so the store refuses exactly what the journal would.
 */
export function resolveStorePolicy<S, Op>(options: OpenDurableStoreOptions<S, Op>): Policy {
  const group = optionGroup(
    options.groupCommit,
    "groupCommit",
    "{ maxBytes?, smallFirstBytes?, maxCommands? }",
  );
  const behind = optionGroup(options.writeBehind, "writeBehind", "{ debounceMs?, maxDelayMs? }");
  const compaction = typeof options.compaction === "object" ? (options.compaction ?? {}) : {};
  const values = resolveOptionValues("openDurableStore", {
    "groupCommit.maxBytes": intOption(group.maxBytes, 1024 * 1024, 1),
    "groupCommit.smallFirstBytes": intOption(
      group.smallFirstBytes,
      128 * 1024,
      MIN_SMALL_FIRST_BYTES,
    ),
    "groupCommit.maxCommands": intOption(group.maxCommands, 4096, 1),
    "writeBehind.debounceMs": intOption(behind.debounceMs, 1000, 0, MAX_TIMER_MS),
    "writeBehind.maxDelayMs": intOption(behind.maxDelayMs, 10_000, 0, MAX_TIMER_MS),
    maxRecordBytes: intOption(options.maxRecordBytes, 16 * 1024 * 1024, 1, 2 ** 31),
    maxSegmentBytes: intOption(
      options.maxSegmentBytes,
      64 * 1024 * 1024,
      MIN_SEGMENT_BYTES,
      MAX_SEGMENT_BYTES,
    ),
    preallocateBytes: intOption(options.preallocateBytes, 1024 * 1024, 0, 2 ** 31),
    replaySliceMs: intOption(options.replaySliceMs, 8, 1),
    "compaction.keep": intOption(compaction.keep, 2, 1),
  });
  const policy: Policy = {
    maxBytes: values["groupCommit.maxBytes"],
    smallFirstBytes: values["groupCommit.smallFirstBytes"],
    maxCommands: values["groupCommit.maxCommands"],
    debounceMs: values["writeBehind.debounceMs"],
    maxDelayMs: values["writeBehind.maxDelayMs"],
    maxRecordBytes: values.maxRecordBytes,
    maxSegmentBytes: values.maxSegmentBytes,
    preallocateBytes: values.preallocateBytes,
    replaySliceMs: values.replaySliceMs,
    keep: values["compaction.keep"],
  };
  if (policy.maxDelayMs < policy.debounceMs) {
    throw new RangeError("openDurableStore: writeBehind.maxDelayMs must be >= debounceMs");
  }
  return policy;
}
