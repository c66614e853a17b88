import { resolvePolicy } from "@snapwrite/core";
import type { JournalDurability } from "@snapwrite/journal";
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
  readonly replaySliceMs: number;
  readonly keep: number;
}

/** Checks `options.durability` and returns it with its default. */
export function resolveDurability<S, Op>(
  options: OpenDurableStoreOptions<S, Op>,
): JournalDurability {
  const durability = options.durability ?? "commit";
  if (typeof durability === "object") {
    resolvePolicy(
      { intervalMs: { default: durability.intervalMs, min: 1, integer: true } },
      { env: {} },
    );
  } else if (durability !== "commit" && durability !== "os") {
    throw new TypeError('openDurableStore: durability must be "commit", "os" or { intervalMs }');
  }
  return durability;
}

export function resolveStorePolicy<S, Op>(options: OpenDurableStoreOptions<S, Op>): Policy {
  const group = options.groupCommit ?? {};
  const behind = options.writeBehind ?? {};
  const compaction = options.compaction === false ? {} : (options.compaction ?? {});
  const int = (value: number | undefined, fallback: number, min: number, max?: number) => ({
    default: value ?? fallback,
    min,
    max,
    integer: true,
  });
  const { values } = resolvePolicy(
    {
      maxBytes: int(group.maxBytes, 1024 * 1024, 1),
      smallFirstBytes: int(group.smallFirstBytes, 128 * 1024, 0),
      maxCommands: int(group.maxCommands, 4096, 1),
      debounceMs: int(behind.debounceMs, 1000, 0),
      maxDelayMs: int(behind.maxDelayMs, 10_000, 0),
      maxRecordBytes: int(options.maxRecordBytes, 16 * 1024 * 1024, 1, 2 ** 31),
      maxSegmentBytes: int(options.maxSegmentBytes, 64 * 1024 * 1024, 64, 2 ** 32 - 1),
      replaySliceMs: int(options.replaySliceMs, 8, 1),
      keep: int(compaction.keep, 2, 1),
    },
    { env: {} },
  );
  if (values.maxDelayMs < values.debounceMs) {
    throw new RangeError("openDurableStore: writeBehind.maxDelayMs must be >= debounceMs");
  }
  return values;
}
