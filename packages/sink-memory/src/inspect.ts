import type { TargetId } from "@snapwrite/core";
import { assertValidTarget } from "@snapwrite/core/sink-kit";
import { storeNameOf } from "./inspect-options.js";
import type { MemorySinkQuarantineRecord, MemoryStore } from "./store.js";
import { concatEntry, type Entry } from "./stored-entry.js";

/** Counters of a {@link MemorySink}, for tests and the bench. */
export interface MemorySinkStats {
  /** Writes whose content was swapped in. */
  readonly writes: number;
  /** Writes that rejected (abort, source error, invalid target, stale, closed). */
  readonly failures: number;
  /** Bytes of the successful writes. */
  readonly bytes: number;
  /** Non-empty chunks of the successful writes. */
  readonly chunks: number;
  /** Largest single chunk received, in bytes. */
  readonly maxChunkBytes: number;
  /** Successful reads. */
  readonly reads: number;
  /** Successful quarantines. */
  readonly quarantines: number;
  /** Writes queued or running right now. */
  readonly pending: number;
  /** Successful writes and their bytes, per target. */
  readonly byTarget: Readonly<
    Record<TargetId, { readonly writes: number; readonly bytes: number }>
  >;
}

/** Which store an inspection helper looks at. */
export interface MemorySinkInspectOptions {
  /** Primaries (default, including quarantined keys) or backups. */
  readonly from?: "primary" | "backup" | undefined;
}

/** The inspection helpers of a {@link MemorySink}. */
export interface MemorySinkInspection {
  /** A copy of the counters. */
  stats(): MemorySinkStats;
  /**
   * Copies of the stored contents, by key. Options other than `from`, or a `from` other than
   * `"primary"`/`"backup"`, are a `TypeError` (as for `keys` and `put`).
   */
  snapshot(options?: MemorySinkInspectOptions): Map<TargetId, Uint8Array>;
  /** The stored keys, sorted. */
  keys(options?: MemorySinkInspectOptions): TargetId[];
  /** Every quarantine so far, oldest first. */
  quarantined(): MemorySinkQuarantineRecord[];
  /**
   * Stores `bytes` (copied) directly, bypassing the write queue and counters: seeds a test with
   * given content, such as a corrupt primary or backup. Options other than `to`, or a `to` other
   * than `"primary"`/`"backup"`, are a `TypeError` and store nothing.
   */
  put(target: TargetId, bytes: Uint8Array, options?: { readonly to?: "primary" | "backup" }): void;
}

/** The helpers that look into (or seed) a memory store without going through the sink. Internal. */
export function createInspection(store: MemoryStore): MemorySinkInspection {
  const { primaries, backups, counters, byTarget, quarantineLog } = store;

  function storeOf(
    caller: string,
    inspect: MemorySinkInspectOptions | undefined,
  ): Map<TargetId, Entry> {
    return storeNameOf(caller, inspect, "from") === "backup" ? backups : primaries;
  }

  return {
    stats(): MemorySinkStats {
      const perTarget: Record<TargetId, { writes: number; bytes: number }> = {};
      for (const [target, value] of byTarget) perTarget[target] = { ...value };
      return Object.freeze({ ...counters, byTarget: Object.freeze(perTarget) });
    },
    snapshot(inspect?: MemorySinkInspectOptions): Map<TargetId, Uint8Array> {
      const out = new Map<TargetId, Uint8Array>();
      const entries = storeOf("snapshot", inspect);
      for (const key of [...entries.keys()].sort()) {
        out.set(key, concatEntry(entries.get(key) as Entry));
      }
      return out;
    },
    keys(inspect?: MemorySinkInspectOptions): TargetId[] {
      return [...storeOf("keys", inspect).keys()].sort();
    },
    quarantined: () => quarantineLog.slice(),
    put(target, bytes, putOptions): void {
      assertValidTarget(target);
      if (!(bytes instanceof Uint8Array)) throw new TypeError("put: bytes must be a Uint8Array");
      const to = storeNameOf("put", putOptions, "to");
      const copy = bytes.slice();
      const entry: Entry = { chunks: [copy], bytes: copy.byteLength, generation: undefined };
      (to === "backup" ? backups : primaries).set(target, entry);
    },
  };
}
