import { assertKnownOptions } from "@snapwrite/core/sink-kit";
import type { Journal } from "./journal-types.js";
import { positiveIntegerOption, seqOption } from "./option-numbers.js";
import { SEGMENT_HEADER_BYTES } from "./segment-format.js";
import type { SnapshotStore } from "./snapshot-store.js";

/** When to compact (take a snapshot and drop the journal it covers). Any trigger suffices. */
export interface CompactionPolicy {
  /** Journal bytes since the snapshot at least max(`minBytes`, `ratio` × snapshot bytes). Defaults 4 MiB, 1. */
  readonly minBytes?: number | undefined;
  readonly ratio?: number | undefined;
  /** Records since the snapshot. Default: no limit. */
  readonly maxRecords?: number | undefined;
  /** Age of the oldest record not covered by a snapshot. Default: no limit. */
  readonly maxAgeMs?: number | undefined;
}

/** The facts {@link compactionDue} decides on. */
export interface CompactionStats {
  readonly journalBytes: number;
  readonly snapshotBytes: number;
  readonly records: number;
  /** Clock time of the oldest record not covered by a snapshot, if any. */
  readonly oldestRecordAt?: number | undefined;
  readonly now: number;
}

/** Why compaction is due: `"bytes"`, `"records"`, `"age"`, or `undefined` when it is not. */
export function compactionDue(
  policy: CompactionPolicy,
  stats: CompactionStats,
): "bytes" | "records" | "age" | undefined {
  const minBytes = policy.minBytes ?? 4 * 1024 * 1024;
  const ratio = policy.ratio ?? 1;
  if (stats.records === 0) return undefined;
  if (stats.journalBytes >= Math.max(minBytes, ratio * stats.snapshotBytes)) return "bytes";
  if (policy.maxRecords !== undefined && stats.records >= policy.maxRecords) return "records";
  if (
    policy.maxAgeMs !== undefined &&
    stats.oldestRecordAt !== undefined &&
    stats.now - stats.oldestRecordAt >= policy.maxAgeMs
  ) {
    return "age";
  }
  return undefined;
}

/** Options of {@link compactJournal}. */
export interface CompactJournalOptions {
  readonly journal: Journal;
  readonly snapshots: SnapshotStore;
  /** Seq the state covers (the caller's committed seq, which must be ≤ `journal.state.lastSeq`). */
  readonly seq: number;
  /** The state's encoded bytes (for example a codec's generator). */
  readonly chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /** Snapshots kept, the new one included. Default 2, so a rotten newest one still recovers. */
  readonly keep?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * Called before each step that changes files (the roll, the snapshot's write, the pruning of
   * snapshots, the removal of segments); a rejection stops the compaction there with that error.
   * A holder of a lock passes its check (`HeldLock.assertHeld`), so that a compaction it started
   * before a freeze does not go on in files another process now owns.
   */
  readonly beforeStep?: (() => Promise<void>) | undefined;
}

const COMPACT_JOURNAL_KEYS = [
  "journal",
  "snapshots",
  "seq",
  "chunks",
  "keep",
  "signal",
  "beforeStep",
] satisfies (keyof CompactJournalOptions)[];

/**
 * Checks every option of {@link compactJournal} before it syncs or rolls the journal, so that a
 * wrong one leaves the journal as it is: `TypeError` for options that are no object, an unknown
 * key, `snapshots` without `write`, `prune` and `list`, `chunks` that are no (async) iterable, a
 * `signal` that is no `AbortSignal` or a `beforeStep` that is no function; `RangeError` for a
 * `keep` below 1 and a `seq` that is no safe integer ≥ 0 or is beyond the journal's last seq.
 * Returns `keep` with its default, 2.
 */
function checkCompactOptions(options: CompactJournalOptions): number {
  const caller = "compactJournal";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}: options are required ({ journal, snapshots, seq, chunks })`);
  }
  assertKnownOptions(caller, options, COMPACT_JOURNAL_KEYS);
  const keep = positiveIntegerOption(caller, "keep", options.keep, 2);
  const { journal, seq } = options;
  seqOption(caller, "seq", seq, 0);
  if (seq > journal.state.lastSeq) {
    throw new RangeError(
      `${caller}: seq ${seq} is beyond the journal's last seq ${journal.state.lastSeq}`,
    );
  }
  const snapshots = options.snapshots as Partial<Record<keyof SnapshotStore, unknown>> | null;
  if (typeof snapshots !== "object" || snapshots === null) {
    throw new TypeError(`${caller}: snapshots must be a SnapshotStore (createSnapshotStore())`);
  }
  for (const name of ["write", "prune", "list"] as const) {
    if (typeof snapshots[name] !== "function") {
      throw new TypeError(`${caller}: snapshots.${name} must be a function`);
    }
  }
  if (!isIterable(options.chunks)) {
    throw new TypeError(`${caller}: chunks must be an iterable or async iterable of Uint8Array`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`${caller}: signal must be an AbortSignal`);
  }
  const { beforeStep } = options;
  if (beforeStep !== undefined && beforeStep !== null && typeof beforeStep !== "function") {
    throw new TypeError(`${caller}: beforeStep must be a function`);
  }
  return keep;
}

function isIterable(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const it = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return (
    typeof it[Symbol.iterator] === "function" || typeof it[Symbol.asyncIterator] === "function"
  );
}

/** What {@link compactJournal} did. */
export interface CompactionReport {
  readonly seq: number;
  readonly snapshot: string;
  readonly bytes: number;
  /**
   * Whether the snapshot store wrote the snapshot durably. When it did not (a sink without fsync),
   * nothing was pruned: `removedSegments` and `removedSnapshots` are empty.
   */
  readonly durable: boolean;
  /**
   * Segment files deleted (all their records are covered by the oldest snapshot kept), then the
   * copies of torn tails of deleted segments (`<segment>.torn-<time>-<tag>`, see
   * `Journal.removeSegmentsThrough`).
   */
  readonly removedSegments: readonly string[];
  /** Snapshot seqs deleted beyond `keep`. */
  readonly removedSnapshots: readonly number[];
}

/**
 * Whether the compaction rolls the journal first, so that the snapshot's seq ends a segment and the
 * active segment's records can be pruned with the older ones: only when it holds records, and at
 * least as many bytes of them as the next segment's preallocated zeros cost. A smaller active
 * segment stays (the snapshot still covers its records; replay skips them, and they are pruned once
 * it rolls), so compactions repeated on a trickle of commits (a snapshot that keeps failing, retried
 * by the caller) do not leave a new, nearly empty segment of `preallocateBytes` each.
 */
function worthRolling(journal: Journal): boolean {
  const { segmentBytes, preallocateBytes = 0 } = journal.state;
  const records = segmentBytes - SEGMENT_HEADER_BYTES;
  return records > 0 && records >= preallocateBytes;
}

/**
 * One compaction: roll the journal when that is worth it (see {@link worthRolling}), write the
 * snapshot `seq` through the snapshot store, then delete what the **oldest kept** snapshot makes
 * redundant: older snapshots beyond `keep`, and segments all of whose records are at or below it.
 * Every step is safe to crash after: replay filters by seq, so a snapshot that already contains
 * records of a kept segment never applies them twice, and nothing is deleted that a kept snapshot
 * still needs. A snapshot written without durability (see {@link CompactionReport.durable}) prunes
 * nothing.
 */
export async function compactJournal(options: CompactJournalOptions): Promise<CompactionReport> {
  const keep = checkCompactOptions(options);
  const { journal, snapshots, seq } = options;
  const beforeStep = options.beforeStep ?? (async () => undefined);
  await journal.sync();
  await beforeStep();
  if (worthRolling(journal)) await journal.roll();
  await beforeStep();
  const written = await snapshots.write(seq, options.chunks, { signal: options.signal });
  // A snapshot its writer did not sync is synced here when the store can, before anything it
  // covers is pruned.
  const durable = written.durable === true || (await snapshots.sync?.(seq)) === true;
  const report = { seq, snapshot: written.target, bytes: written.bytes, durable };
  if (!durable) {
    // A snapshot a crash could still take away (a sink that does not fsync) must not stand in for
    // the records it covers: nothing is pruned, the journal keeps every acknowledged record.
    return { ...report, removedSegments: [], removedSnapshots: [] };
  }
  await beforeStep();
  const removedSnapshots = await snapshots.prune(keep);
  const kept = await snapshots.list();
  const oldest = kept[kept.length - 1];
  await beforeStep();
  const removedSegments = oldest === undefined ? [] : await journal.removeSegmentsThrough(oldest);
  return { ...report, removedSegments, removedSnapshots };
}
