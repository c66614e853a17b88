import type { FsPort } from "@snapwrite/core";
import type { CorruptReason } from "./corrupt.js";
import type { JournalRecord, SegmentHeader } from "./segment-format.js";
import type { SupersededSegment } from "./superseded.js";

/**
 * What replay does with damage (the names of RocksDB's WAL recovery modes):
 * - `tolerate-tail` (default): a torn end of the last segment is the tail of an interrupted
 *   append and is ignored (the writer repairs it before its first append); any other damage is
 *   `ERR_CORRUPT` with its offset.
 * - `point-in-time`: replay stops at the first damage of any kind and reports how many valid
 *   records after it were dropped.
 * - `absolute`: any irregularity, a torn tail included, is `ERR_CORRUPT`.
 * - `salvage`: damaged records are skipped and reported; for recovery tools only.
 *
 * In every mode, zeros from the last record to the end of the last segment are no damage: that is
 * the space the writer preallocates (see `preallocateBytes`), or zeros a power loss left, and the
 * writer goes on appending over them.
 */
export type RecoveryMode = "tolerate-tail" | "point-in-time" | "absolute" | "salvage";

/** Options of {@link replayJournal}. */
export interface ReplayJournalOptions {
  /** Directory holding the journal. */
  readonly dir: string;
  /** Journal name: segments are `<name>.wal.<firstSeq>-<roll>`. */
  readonly name: string;
  /** File system. Default `node:fs/promises`. */
  readonly fs?: FsPort | undefined;
  /** Records with a seq at or below this one are skipped (the seq a snapshot covers). Default 0. */
  readonly afterSeq?: number | undefined;
  /** Damage policy. Default `"tolerate-tail"`. */
  readonly recovery?: RecoveryMode | undefined;
  /** Records longer than this are damage, never allocated for. Default 16 MiB. */
  readonly maxRecordBytes?: number | undefined;
  /**
   * Called for every record with seq > `afterSeq`, in seq order. May be async: a promise it returns
   * is waited for before the next record.
   */
  readonly onRecord?: ((record: JournalRecord) => void | Promise<void>) | undefined;
}

/** Damage met during replay and how it was handled. */
export interface ReplayDamage {
  /** Segment file name. */
  readonly file: string;
  readonly offset: number;
  readonly reason: CorruptReason;
  readonly message: string;
}

/** Where the valid journal ends: what a writer needs to continue it. */
export interface JournalEnd {
  /** Segment files in chain order. */
  readonly files: readonly string[];
  /** Index in `files` of the segment the valid data ends in (`-1`: no usable segment). */
  readonly index: number;
  /** Header of that segment. */
  readonly header?: SegmentHeader | undefined;
  /** Valid bytes of that segment. */
  readonly validBytes: number;
  /** Bytes of that segment's file. */
  readonly fileBytes: number;
  /**
   * Zero bytes from `validBytes` to the end of the last segment: space the writer preallocated (or
   * zeros a power loss left), a clean end rather than a tail. 0 for any other segment.
   */
  readonly paddingBytes: number;
  /** Segments after `index` that replay did not use (a torn header, or dropped by `point-in-time`). */
  readonly unused: readonly string[];
  /** Segments left out of the chain as superseded (see {@link ReplayReport.superseded}). */
  readonly superseded: readonly string[];
}

/** What {@link replayJournal} found. */
export interface ReplayReport {
  /** Seq of the last valid record (or `firstSeq - 1` of the chain; 0 for an empty journal). */
  readonly lastSeq: number;
  /** Records passed to `onRecord`. */
  readonly replayed: number;
  /** Valid records skipped because their seq was at or below `afterSeq`. */
  readonly skipped: number;
  /** Segments read. */
  readonly segments: number;
  /** The torn tail that was ignored, if any (zeros after the last record are no tail). */
  readonly tail: ReplayDamage | null;
  /** `point-in-time`: valid records after the stop point that were not replayed. */
  readonly dropped: number;
  /** `salvage`/`point-in-time`: the damage skipped or stopped at. */
  readonly damage: readonly ReplayDamage[];
  /**
   * Empty segments left out of the chain because their predecessor goes on, past the length they
   * recorded for it, with whole groups of the seqs they were to start at: a roll made by a writer
   * that had lost the journal to another (a lock holder frozen past `staleMs`), after the other
   * writer's appends. Their predecessor is read to its end instead; a writer moves them aside.
   */
  readonly superseded: readonly SupersededSegment[];
  /** Where the journal ends. */
  readonly end: JournalEnd;
}
