import type { Clock, FsPort, PersistenceError } from "@snapwrite/core";
import type { JournalLock } from "./lock-adapter.js";
import type { RecoveryMode, ReplayReport } from "./replay-types.js";
import type { JournalRecord } from "./segment-format.js";

/**
 * When an append is acknowledged:
 * - `"commit"`: after the group's `fdatasync` (`durable: true`).
 * - `{ intervalMs }`: after the write (`durable: false`); a timer syncs every `intervalMs` (whole
 *   ms in 1..2^31 − 1, else a `RangeError` at open) and advances `state.durableSeq`. A sync slower than twice the interval sets `state.mode` to
 *   `"degraded"` and emits an event: the window is reported, never silently widened.
 * - `"os"`: after the write; synced only when a segment is sealed or rolled, on `sync()` and at close.
 */
export type JournalDurability = "commit" | { readonly intervalMs: number } | "os";

/** Group-commit bounds. */
export interface GroupCommitOptions {
  /** Upper bound on one group's bytes. Default 1 MiB. */
  readonly maxBytes?: number | undefined;
  /**
   * When the first record is small, the group stops at its size plus this. Default 128 KiB; at least
   * `MIN_SMALL_FIRST_BYTES` (0: each append a group of its own).
   */
  readonly smallFirstBytes?: number | undefined;
}

/** Something that happened inside the journal. */
export type JournalEvent =
  | {
      readonly type: "sealed";
      readonly file: string;
      readonly next: string;
      readonly error: PersistenceError;
    }
  | { readonly type: "rolled"; readonly file: string; readonly next: string }
  | { readonly type: "read-only"; readonly error: PersistenceError }
  | { readonly type: "durable"; readonly seq: number }
  | { readonly type: "degraded"; readonly syncMs: number }
  | {
      /** Writing or syncing zeros ahead of the write position failed: appends go on without. */
      readonly type: "preallocation-stopped";
      readonly file: string;
      readonly error: PersistenceError;
    }
  | {
      readonly type: "tail-repaired";
      readonly file: string;
      readonly offset: number;
      readonly bytes: number;
      readonly quarantinedTo: string | undefined;
    };

/** Options of {@link openJournal}. */
export interface OpenJournalOptions {
  /** Directory of the journal; created when missing. */
  readonly dir: string;
  /** Journal name, the prefix of its files. */
  readonly name: string;
  /** File system. Default `node:fs/promises`. */
  readonly fs?: FsPort | undefined;
  /** Clock for interval syncs and file times. Default: real time. */
  readonly clock?: Clock | undefined;
  /** When appends are acknowledged. Default `"commit"`. */
  readonly durability?: JournalDurability | undefined;
  /** Damage policy of the replay at open. Default `"tolerate-tail"`. */
  readonly recovery?: RecoveryMode | undefined;
  /** Bound on one record's payload. Default 16 MiB. */
  readonly maxRecordBytes?: number | undefined;
  /**
   * A segment is rolled once it reaches this size. Default 64 MiB; an integer from
   * `MIN_SEGMENT_BYTES` (60) to `MAX_SEGMENT_BYTES` (4 GiB − 1), else a `RangeError`.
   */
  readonly maxSegmentBytes?: number | undefined;
  /** Group-commit bounds. */
  readonly group?: GroupCommitOptions | undefined;
  /**
   * Under `"commit"`: open segments with `O_DSYNC`, so each group's single `writev` is also its
   * sync (one file-system call per group instead of a `writev` and an `fdatasync`). Only for an
   * `fs` whose `open` honours `O_DSYNC` (`node:fs/promises` does, as does the testkit's crashable
   * fs); ignored where the platform has no `O_DSYNC`. Default false.
   */
  readonly syncWrites?: boolean | undefined;
  /**
   * Under `"commit"`: zero-filled space the writer keeps ahead of its write position in the active
   * segment, written and synced between groups once less than half of it is left (never past
   * `maxSegmentBytes` + 64 KiB). A group's sync then overwrites allocated blocks inside the file's
   * size and commits no metadata. A failed extension fails no append: preallocation stops until the
   * next segment (event `preallocation-stopped`). 0 disables it; other durabilities never
   * preallocate. Default 1 MiB.
   */
  readonly preallocateBytes?: number | undefined;
  /** Replay at open passes records with seq > `afterSeq` (a snapshot's seq) to `onRecord`. */
  readonly afterSeq?: number | undefined;
  /** Receives every replayed record at open, in seq order. */
  readonly onRecord?: ((record: JournalRecord) => void | Promise<void>) | undefined;
  /**
   * Called once the replay at open has passed its last record to `onRecord`, before the journal
   * changes any file (moving unused segments aside, repairing a torn tail): a callback that holds
   * records back can apply them here, and a throw fails the open as one from `onRecord` does.
   */
  readonly onReplayEnd?: (() => void | Promise<void>) | undefined;
  /** Seq of the first record of a journal that has no segment yet. Default `afterSeq + 1`. */
  readonly firstSeq?: number | undefined;
  /** An exclusive lock held from open to close (`.<name>.lock` in `dir`); default none (single writer assumed). */
  readonly lock?: JournalLock | undefined;
  /** Salt and name randomness. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** Journal events; listener exceptions are ignored. */
  readonly onEvent?: ((event: JournalEvent) => void) | undefined;
}

/** The acknowledgement of one append. */
export interface JournalAppendResult {
  /** The record's seq. */
  readonly seq: number;
  /** Whether the record was synced before this result (always true under `"commit"`). */
  readonly durable: boolean;
  /** Segment file holding it. */
  readonly file: string;
  /** Offset of its record header in that file. */
  readonly offset: number;
  /** Bytes written for it (header and payload). */
  readonly bytes: number;
}

/** The acknowledgement of one {@link Journal.appendGroup}: its records have consecutive seqs. */
export interface JournalGroupAppendResult {
  /** Seq of the first record (`payloads[0]`). */
  readonly firstSeq: number;
  /** Seq of the last record. */
  readonly lastSeq: number;
  /** Whether the records were synced before this result (always true under `"commit"`). */
  readonly durable: boolean;
  /** Segment file holding them. */
  readonly file: string;
  /** Offset of the first record's header in that file. */
  readonly offset: number;
  /** Bytes written for them (headers and payloads). */
  readonly bytes: number;
}

/** Per-record options of {@link Journal.append} (and of every record of {@link Journal.appendGroup}). */
export interface JournalAppendOptions {
  /** A small tag stored with the record (for example which `OpsCodec` encoded it). Default 0. */
  readonly codecId?: number | undefined;
}

/** Live facts about a journal. */
export interface JournalState {
  /** Seq of the last acknowledged record. */
  readonly lastSeq: number;
  /** Seq up to which every record is synced. */
  readonly durableSeq: number;
  /** `"degraded"`: interval syncs run late; `"read-only"`: a failure could not be sealed, appends are refused. */
  readonly mode: "ok" | "degraded" | "read-only" | "closed";
  /** Active segment file name. */
  readonly file: string;
  /** Bytes of the active segment. */
  readonly segmentBytes: number;
  /**
   * Zero-filled bytes kept ahead of the write position, so also what a new segment costs on disk
   * at least (the `preallocateBytes` option; 0: none). Absent: 0.
   */
  readonly preallocateBytes?: number | undefined;
  /** Segment files of the chain, oldest first. */
  readonly segments: readonly string[];
  /** Segments sealed after a write or sync error. */
  readonly seals: number;
}

/** What {@link Journal.close} did. Never rejects. */
export interface JournalCloseReport {
  readonly ok: boolean;
  readonly lastSeq: number;
  readonly durableSeq: number;
  readonly error?: PersistenceError | undefined;
}

/** An open segment journal: the single writer of `<dir>/<name>.wal.*`. */
export interface Journal {
  /** What the replay at open found, and how the tail was repaired. */
  readonly recovery: JournalRecovery;
  /** Live state. */
  readonly state: JournalState;
  /**
   * Appends one record. Records appended while a group is being written form the next group:
   * one `writev` and (under `"commit"`) one `fdatasync` per group. Rejects with a
   * `PersistenceError` whose `details.committed` is `false` (the segment was sealed before the
   * record: replay will never return it) or `"unknown"` (sealing failed too; the journal is
   * read-only from then on and refuses appends with `ERR_IO`, `details.readOnly: true`). A payload
   * longer than `maxRecordBytes` is refused before anything is written: `ERR_ENCODE`, stage
   * `encode`, `details: { committed: false, bytes, maxRecordBytes }` (the append log's shape).
   */
  append(payload: Uint8Array, options?: JournalAppendOptions): Promise<JournalAppendResult>;
  /**
   * Appends `payloads` (at least one) as consecutive records written by one `writev` in one group,
   * with one promise for them all: it resolves once all are written (and, under `"commit"`,
   * synced), or rejects as {@link Journal.append} does, for all of them (none is acknowledged).
   * The call is one unit of group commit: it is never split across groups, even past
   * `group.maxBytes`. Cheaper than one `append` per record when a caller already holds a batch.
   * The records are acknowledged together but not atomic on disk: after a crash, replay can return
   * a prefix of a group that was never acknowledged.
   */
  appendGroup(
    payloads: readonly Uint8Array[],
    options?: JournalAppendOptions,
  ): Promise<JournalGroupAppendResult>;
  /** Syncs everything appended so far; resolves with `durableSeq`. */
  sync(): Promise<number>;
  /** Starts a new segment at `lastSeq + 1` (compaction does this before it writes a snapshot). */
  roll(): Promise<string>;
  /**
   * Deletes the oldest segments whose records all have seq ≤ `seq`, never the active one, then the
   * copies of torn tails (`<segment>.torn-<time>-<tag>`) of every segment starting at or below
   * `seq` that is no longer in the directory (deleted now or before, or moved aside); returns the
   * names of the segments, then of the copies. Segment files starting at or below `seq` that this
   * journal never wrote nor read (a stale writer's) are moved aside as `*.foreign-<time>-<tag>`. Like `sync`, `roll` and the
   * appends, rejects `ERR_CLOSED` and deletes nothing once `close()` was called; a removal running
   * when it is called stops before its next deletion, with `ERR_CLOSED`.
   */
  removeSegmentsThrough(seq: number): Promise<string[]>;
  /** Waits for pending appends, syncs, closes the file and releases the lock. */
  close(): Promise<JournalCloseReport>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Recovery facts of {@link Journal.recovery}. */
export interface JournalRecovery extends ReplayReport {
  /**
   * Files the open moved aside: where the torn tail's bytes were copied, if there was one, and the
   * `*.unused-*` / `*.superseded-*` names of segments replay did not use.
   */
  readonly quarantined: readonly string[];
  /**
   * Files the open deleted because they held nothing: unused segments (by their segment names)
   * zero bytes long or all zero bytes — no header, so not a byte of a possible record — and
   * `<segment>.unused-<time>-<tag>` files of earlier opens (exactly so named) that are zero bytes
   * long. Deleted under the journal's lock,
   * then the directory is fsynced. Every other unused segment is moved aside, never deleted.
   */
  readonly removedEmpty: readonly string[];
  /** Whether open started a new segment to seal a damaged tail. */
  readonly sealed: boolean;
}

/** Options of `createJournalFollower`. */
export interface JournalFollowerOptions {
  readonly dir: string;
  readonly name: string;
  readonly fs?: FsPort | undefined;
  /** The follower's state covers every seq up to this one (a snapshot's seq, or 0). */
  readonly afterSeq: number;
  readonly maxRecordBytes?: number | undefined;
}
