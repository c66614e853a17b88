import type { Apply, Clock, Codec, FsPort, OpsCodec, PersistenceError } from "@snapwrite/core";
import { assertClock } from "@snapwrite/core/sink-kit";
import type {
  CompactionPolicy,
  JournalDurability,
  JournalLock,
  RecoveryMode,
} from "@snapwrite/journal";
import type { StoreCloseReport } from "./store-close-report.js";
import type { StoreLoadReport } from "./store-load-report.js";
import type { StoreReplica } from "./store-replica.js";

export type { StoreCloseReport } from "./store-close-report.js";
export type { StoreLoadReport } from "./store-load-report.js";

/** What {@link DurableStore.read} returns: an immutable state and the seq it includes. */
export interface StoreRoot<S> {
  readonly value: S;
  /** Seq of the last op batch the value includes (0: none). */
  readonly seq: number;
}

/** A command: computes the ops of one change from the state it must apply to. Pure. */
export type StoreCommand<S, Op> = (state: S) => readonly Op[];

/**
 * What every store over one directory needs, the writer ({@link openDurableStore}) and a follower
 * (`openFollowerStore`) alike: where its files are and how states and op batches are read.
 */
export interface StoreFilesOptions<S, Op> {
  /** Directory of the journal and the snapshots (created when missing by the writer). */
  readonly dir: string;
  /** Prefix of the store's files (`<name>.wal.*`, `<name>.snap.*`). Default `"store"`. */
  readonly name?: string | undefined;
  /** File system. Default `node:fs/promises`. */
  readonly fs?: FsPort | undefined;
  /** Encodes and decodes whole states: the snapshots. */
  readonly codec: Codec<S>;
  /** Encodes and decodes op batches: the journal records. */
  readonly ops: OpsCodec<Op>;
  /** Applies ops to a state (pure; throws on a failed precondition). */
  readonly apply: Apply<S, Op>;
  /** The state of a store with no snapshot and no journal. */
  readonly empty: () => S;
  /**
   * Optional fast path of the replays (the warm load, a reload, a follower's catch-up), which
   * apply many journal records to a state no one reads until they end. Default: `apply` per record.
   * `applyKeyedOps` has {@link replayKeyedOps}.
   */
  readonly replay?: Replay<S, Op> | undefined;
}

/**
 * A replay's way to apply many op batches in a row without a new state per batch. `begin(state)`
 * opens a run that changes a private copy of `state` in place (`state` itself stays unchanged and
 * readable); `run.apply(ops)` for each record, in order, must reach exactly the states `apply`
 * would, and throw where `apply` would throw; `run.finish()` returns the final state. After a throw
 * the run is dropped (the replay fails), so a half-applied batch is never seen.
 */
export interface Replay<S, Op> {
  begin(state: S): ReplayRun<S, Op>;
}

/** One run of a {@link Replay}. */
export interface ReplayRun<S, Op> {
  apply(ops: readonly Op[]): void;
  finish(): S;
}

/**
 * Checks the {@link StoreFilesOptions} part of `factory`'s options: `TypeError` for a missing
 * `dir`, `codec`, `ops`, or an `apply` / `empty` that is not a function.
 */
export function checkStoreFilesOptions(options: unknown, factory: string): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${factory}: options are required`);
  }
  const given = options as Record<string, unknown>;
  if (typeof given.dir !== "string" || given.dir === "") {
    throw new TypeError(`${factory}: dir is required`);
  }
  for (const key of ["codec", "ops"]) {
    const codec = given[key] as { encode?: unknown; decode?: unknown } | null | undefined;
    if (typeof codec !== "object" || codec === null) {
      throw new TypeError(`${factory}: ${key} is required`);
    }
    if (typeof codec.encode !== "function" || typeof codec.decode !== "function") {
      throw new TypeError(`${factory}: ${key} must be a codec with encode() and decode()`);
    }
  }
  for (const key of ["apply", "empty"]) {
    if (typeof given[key] !== "function") {
      throw new TypeError(`${factory}: ${key} must be a function`);
    }
  }
  const replay = given.replay as { begin?: unknown } | null | undefined;
  if (replay !== undefined && (typeof replay !== "object" || typeof replay?.begin !== "function")) {
    throw new TypeError(`${factory}: replay must be an object with begin(state)`);
  }
  if (given.clock !== undefined) assertClock(given.clock, factory);
  const lock = given.lock as { acquire?: unknown } | null | undefined;
  if (lock !== undefined && (typeof lock !== "object" || typeof lock?.acquire !== "function")) {
    throw new TypeError(`${factory}: lock must be a JournalLock, an object with acquire(path)`);
  }
}

/** Options of {@link openDurableStore}. */
export interface OpenDurableStoreOptions<S, Op> extends StoreFilesOptions<S, Op> {
  /** When a commit is acknowledged (see the README's Guarantees). Default `"commit"`. */
  readonly durability?: JournalDurability | undefined;
  /**
   * Bounds of one commit group: it stops once it holds `maxCommands` commands or `maxBytes` bytes,
   * or its first record's size plus `smallFirstBytes` when that first record is small.
   * Defaults 4096, 1 MiB, 128 KiB; `smallFirstBytes` is at least the journal's
   * `MIN_SMALL_FIRST_BYTES` (0: each command a group of its own).
   */
  readonly groupCommit?:
    | {
        readonly maxBytes?: number | undefined;
        readonly smallFirstBytes?: number | undefined;
        readonly maxCommands?: number | undefined;
      }
    | undefined;
  /** `mutate()` batching: flush `debounceMs` after the last mutation, at most `maxDelayMs` after the first. Defaults 1000, 10000. */
  readonly writeBehind?:
    | { readonly debounceMs?: number | undefined; readonly maxDelayMs?: number | undefined }
    | undefined;
  /** Automatic compaction (`compactionDue` of the journal) and snapshots kept; `false`: only `compact()`. */
  readonly compaction?:
    | false
    | (CompactionPolicy & { readonly keep?: number | undefined })
    | undefined;
  /** Damage policy of the journal replay. Default `"tolerate-tail"`. */
  readonly recovery?: RecoveryMode | undefined;
  /** Timers and timings. Default: real time. */
  readonly clock?: Clock | undefined;
  /**
   * Journal segment size at which a new segment starts. Default 64 MiB; from the journal's
   * `MIN_SEGMENT_BYTES` (60) to its `MAX_SEGMENT_BYTES` (4 GiB − 1).
   */
  readonly maxSegmentBytes?: number | undefined;
  /**
   * Zero-filled bytes the journal keeps ahead of its write position (fewer metadata updates per
   * sync); also the least a journal segment costs on disk, so a compaction rolls the journal only
   * once its active segment holds that much. Default 1 MiB; 0: none.
   */
  readonly preallocateBytes?: number | undefined;
  /** Largest op batch (encoded). Larger ones fail their command with `ERR_COMMAND`. Default 16 MiB. */
  readonly maxRecordBytes?: number | undefined;
  /** An exclusive lock held from open to close. Default none. */
  readonly lock?: JournalLock | undefined;
  /**
   * Loads the state from the caller's own durable system, for stores fed by `commitExternal`:
   * used by the reload that follows a point patch that could not be applied. Default: reload from
   * the store's snapshot and journal.
   */
  readonly loadExternal?: ((reason: string) => Promise<S>) | undefined;
  /** Replay yields to the event loop after running this long. Default 8 ms. */
  readonly replaySliceMs?: number | undefined;
  /**
   * A replica of the state fed with the committed op batches as journaled, which writes the
   * compaction snapshots instead of the owner's `codec` (see the README's "Worker replica"). Closed
   * by `close()`. Default none.
   */
  readonly replica?: StoreReplica | undefined;
}

/** A committed change. */
export interface CommitSucceeded {
  readonly ok: true;
  /** Seq of the change's op batch (for a command with no ops: the seq its state included). */
  readonly seq: number;
  /** Whether the batch was synced before this result (always under `"commit"`). */
  readonly durable: boolean;
  /** Whether the point patch was applied (false: a reload replaced the state instead). */
  readonly patched: boolean;
  /** Whether a reload followed the change. */
  readonly reloaded: boolean;
  /** The group the change was written with. */
  readonly group: { readonly commands: number; readonly bytes: number };
  readonly timings: {
    readonly queueMs: number;
    readonly commandMs: number;
    readonly writeMs: number;
    readonly syncMs: number;
  };
  /** For `commitExternal`: why the patch did not apply. */
  readonly error?: PersistenceError | undefined;
}

/** A change that was not committed. Memory is untouched and nothing retries it. */
export interface CommitFailed {
  readonly ok: false;
  readonly error: PersistenceError;
  /** `false`: it is definitely not stored; `"unknown"`: the journal could not tell (the store is read-only now). */
  readonly committed: false | "unknown";
}

export type CommitResult = CommitSucceeded | CommitFailed;

/** What `commit` and `commitExternal` return. */
export interface CommitTicket {
  readonly settled: Promise<CommitResult>;
}

/** What `mutate` returns. */
export interface MutateTicket {
  /**
   * Seq the change will have once journaled, provisional: it holds when every write before it
   * succeeds (a failed group or a reload before it moves it; the settled result carries the
   * journaled seq). For a command that returned no ops, the visible seq (its state's). `null` when
   * nothing was applied: the change was refused (closed, read-only, a follower) or its command
   * threw; `settled` then holds the error.
   */
  readonly seq: number | null;
  /** Resolves once the change is durable, or with `ok: false` when it can no longer become so. */
  readonly settled: Promise<CommitResult>;
}

/** Events of {@link DurableStore.subscribe}. */
export type StoreEvent =
  | {
      readonly type: "committed";
      readonly fromSeq: number;
      readonly toSeq: number;
      readonly commands: number;
      readonly bytes: number;
    }
  /** `seq`: the change's provisional seq, as its ticket's. */
  | { readonly type: "mutated"; readonly seq: number }
  | { readonly type: "reloaded"; readonly reason: string; readonly seq: number }
  | {
      readonly type: "compacted";
      readonly reason: string;
      readonly seq: number;
      readonly removedSegments: readonly string[];
    }
  | { readonly type: "patch-failed"; readonly reason: string; readonly error: PersistenceError }
  | {
      readonly type: "write-behind-failed";
      readonly error: PersistenceError;
      readonly pending: number;
    }
  | { readonly type: "read-only"; readonly error: PersistenceError };

/** Live facts. */
export interface DurableStoreState {
  /** Seq of the last journaled batch. */
  readonly committedSeq: number;
  /** Seq up to which everything is synced. */
  readonly durableSeq: number;
  /** Seq of what `read()` shows (ahead of `committedSeq` by the unjournaled `mutate`s). */
  readonly visibleSeq: number;
  /** Seq of the newest snapshot. */
  readonly snapshotSeq: number;
  /** `mutate`d batches not journaled yet. */
  readonly unsaved: number;
  /** Commands waiting for their group. */
  readonly queued: number;
  readonly mode: "ok" | "degraded" | "read-only" | "closed";
}

/** Counters and last errors. */
export interface DurableStoreHealth {
  readonly mode: DurableStoreState["mode"];
  readonly commits: number;
  readonly failedCommits: number;
  readonly commandErrors: number;
  readonly groups: number;
  readonly reloads: number;
  readonly lastReloadReason: string | undefined;
  readonly compactions: number;
  readonly lastCompactionError: PersistenceError | undefined;
  readonly writeBehindFailures: number;
  readonly unsaved: number;
  readonly lastError: PersistenceError | undefined;
  readonly readOnlyError: PersistenceError | undefined;
}

/** What `compact` did. */
export interface StoreCompactReport {
  readonly seq: number;
  readonly snapshot: string;
  readonly bytes: number;
  /**
   * Whether the snapshot was written durably. `false` (a replica or sink that does not fsync):
   * nothing was pruned, the journal still holds every commit the snapshot covers.
   */
  readonly durable: boolean;
  /**
   * The journal's files deleted: the segments the snapshot covers, then the copies of torn tails
   * (`<segment>.torn-<time>-<tag>`) of deleted segments (the journal's `removeSegmentsThrough`).
   */
  readonly removedSegments: readonly string[];
  readonly removedSnapshots: readonly number[];
}

/** A durable in-memory state: snapshot + journal, point patches, group commit. */
export interface DurableStore<S, Op> {
  /** The published root: O(1), never blocks, never shows a change before it is committed. */
  read(): StoreRoot<S>;
  /** Write-through: the change is visible once journaled (and synced under `"commit"`). */
  commit(reason: string, command: StoreCommand<S, Op>): CommitTicket;
  /** Write-behind: visible now, journaled with the next flush. */
  mutate(reason: string, command: StoreCommand<S, Op>): MutateTicket;
  /** The durable write is the caller's `persist()`; then the ops are applied and journaled. */
  commitExternal(
    reason: string,
    change: {
      readonly persist: () => Promise<void>;
      readonly ops: readonly Op[] | StoreCommand<S, Op>;
    },
  ): CommitTicket;
  /** Re-reads snapshot + journal (or `loadExternal`) and swaps the result in; clears read-only. */
  reload(reason: string): Promise<StoreLoadReport>;
  /** Writes a snapshot of the committed state and drops the journal it covers. */
  compact(reason: string): Promise<StoreCompactReport>;
  /** Listens to events; returns the unsubscribe function. Listener exceptions are ignored. */
  subscribe(listener: (event: StoreEvent) => void): () => void;
  health(): DurableStoreHealth;
  readonly state: DurableStoreState;
  /** Flushes, waits for queued commands (until `timeoutMs`), closes the journal. Never rejects. */
  close(options?: { readonly timeoutMs?: number | undefined }): Promise<StoreCloseReport>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** What {@link openDurableStore} resolves with. */
export interface OpenedDurableStore<S, Op> {
  readonly store: DurableStore<S, Op>;
  readonly load: StoreLoadReport;
}
