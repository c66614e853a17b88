import type {
  Clock,
  FsPort,
  Sink,
  SinkCloseOptions,
  SinkQuarantineOptions,
  SinkWriteOptions,
  SinkWriteResult,
  TargetId,
} from "@snapwrite/core";
import type { FsSweepReport } from "./sweep/sweep-directory.js";
import type { FsSweepOptions } from "./sweep/sweep-options.js";

/** Options of the cross-process lock of {@link createFsSink}. */
export interface FsSinkLockOptions {
  /**
   * A lock whose owner has not refreshed it for this long is abandoned and broken, in ms. Owners
   * refresh every `staleMs / 3`; an owner on this host whose process is gone is abandoned at once.
   * Default `30_000`.
   */
  readonly staleMs?: number | undefined;
  /** How long a write waits for a held lock before failing with `ERR_LOCKED`, in ms. Default `5_000`. */
  readonly waitMs?: number | undefined;
  /** First pause between lock attempts, in ms; doubles (jittered) up to 250 ms. Default `10`. */
  readonly pollMs?: number | undefined;
}

/** Retry of transient rename failures (`EPERM`, `EACCES`, `EBUSY`) in {@link createFsSink}. */
export interface FsSinkRenameRetryOptions {
  /** Total attempts, the first included; `1` disables retrying. Default `8`. */
  readonly attempts?: number | undefined;
  /** Pause before the second attempt, in ms; doubles, with jitter of 50–100 %. Default `10`. */
  readonly initialMs?: number | undefined;
  /** Longest pause, in ms. Default `500`. */
  readonly maxMs?: number | undefined;
}

/** How {@link createFsSink} groups chunks into `writev` calls. */
export interface FsSinkBatchOptions {
  /** A batch is written once it holds this many bytes. Default `1_048_576` (1 MiB). */
  readonly maxBytes?: number | undefined;
  /** A batch is written once it holds this many chunks. Default `64`. */
  readonly maxChunks?: number | undefined;
}

/** Options of {@link createFsSink}. */
export interface FsSinkOptions {
  /** Root directory; every target is a path inside it. Created on the first write when missing. */
  readonly dir: string;
  /** File system to use. Default `node:fs/promises`; tests pass testkit's memory or faulty ones. */
  readonly fs?: FsPort | undefined;
  /**
   * `"durable"` (default): fsync the file before the rename and the directory after it, so a
   * resolved write survives power loss. `"atomic"`: no fsync; readers still never see a torn file,
   * but a power loss may lose recent writes. `write()` reports `durable` accordingly.
   */
  readonly durability?: "durable" | "atomic" | undefined;
  /** Keep the previous version as `<name>.bak`, readable with `{ from: "backup" }`. Default `false`. */
  readonly backup?: boolean | undefined;
  /**
   * Follow symlinks (of targets and of directories) that lead outside `dir`, writing through them.
   * Default `false`: a target whose real location is outside the root is refused with
   * `ERR_INVALID_TARGET` (`details.reason: "outside the root"`); links inside the root are always
   * followed.
   */
  readonly followSymlinksOutsideRoot?: boolean | undefined;
  /**
   * Take a cross-process lock file (`.<name>.lock`) around every write, so several processes can
   * share targets. `true` uses the defaults of {@link FsSinkLockOptions}. Default `false`.
   */
  readonly lock?: boolean | FsSinkLockOptions | undefined;
  /**
   * Permission bits of a newly created target. An existing target keeps its own mode. Default
   * `0o644`, applied exactly: the process umask does not reduce it.
   */
  readonly mode?: number | undefined;
  /** Retry of transient rename failures. */
  readonly renameRetry?: FsSinkRenameRetryOptions | undefined;
  /** How many quarantined versions of a target to keep; older ones are deleted. Default `5`. */
  readonly maxQuarantined?: number | undefined;
  /**
   * Delete orphan temp files of dead processes and abandoned lock files in a directory before the
   * first operation there. Default `true`.
   */
  readonly sweep?: boolean | undefined;
  /** Batching of chunks into `writev` calls. */
  readonly batch?: FsSinkBatchOptions | undefined;
  /** Time source and timers (lock waits, retry pauses, quarantine names). Default: real time. */
  readonly clock?: Clock | undefined;
  /** Uniform random numbers in [0, 1) for temp names, lock tokens and jitter. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /**
   * Whether a process of this host still runs; decides which temp and lock files are orphans.
   * Default: signal 0 (`process.kill(pid, 0)`), where only `ESRCH` means gone.
   */
  readonly isProcessAlive?: ((pid: number) => boolean) | undefined;
}

/** What a successful {@link FsSink.write} reports: the {@link SinkWriteResult} and how it went. */
export interface FsSinkWriteResult extends SinkWriteResult {
  /** Rename attempts; more than 1 when transient failures were retried. */
  readonly renameAttempts: number;
  /** Time spent waiting for the cross-process lock, in clock ms (0 without lock or contention). */
  readonly lockWaitMs: number;
  /** Pauses taken because another process held the lock. */
  readonly lockWaits: number;
  /** Abandoned locks (dead or expired owner) broken to write. */
  readonly locksBroken: number;
  /**
   * Whether the directory was fsynced after the rename. `false` with `durability: "atomic"` and on
   * platforms that cannot fsync directories (Windows).
   */
  readonly dirSynced: boolean;
}

/** The durable, atomic file {@link Sink}. */
export interface FsSink extends Sink {
  /** Absolute root directory. */
  readonly dir: string;
  /** Replaces the target atomically (see the README for the protocol) and reports how it went. */
  write(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: SinkWriteOptions,
  ): Promise<FsSinkWriteResult>;
  /**
   * Moves the target's file to a unique `<name>.corrupt-<ms>[-n]` next to it, keeps only the newest
   * `maxQuarantined` of them, and resolves with the new name as a target id (readable with `read`),
   * or as an absolute path when a symlink led outside the root (`followSymlinksOutsideRoot`).
   * `reason` is not stored: log it.
   * With `expected`, the file is moved only while it holds exactly those bytes (checked after the
   * queued writes of the target, under the lock when `lock` is on, and again on the moved file,
   * which is put back when a write of another sink or process landed just before the move);
   * otherwise the quarantine rejects with `ERR_STALE` (`details.reason: "changed"`). A quarantine
   * never deletes a written version (see the README's "Quarantine and other writers").
   */
  quarantine(target: TargetId, reason: string, options?: SinkQuarantineOptions): Promise<string>;
  /**
   * Waits for queued writes; afterwards writes and quarantines reject with `ERR_CLOSED`. With
   * `options.timeoutMs`, rejects with `ERR_TIMEOUT` once that passed with a write still running
   * (a hung disk): the sink stays closed and the write ends on its own.
   */
  close(options?: SinkCloseOptions): Promise<void>;
  /** `close()`, for `await using sink = createFsSink(…)`. */
  [Symbol.asyncDispose](): Promise<void>;
  /**
   * Deletes orphan temp files of dead processes and abandoned lock files in the root and every
   * directory below it (symlinks are not followed). Runs by itself, per directory, before the
   * first operation there unless `sweep: false`. `deadThreads` names exited worker threads of this
   * process whose temp files are orphans too. Rejects with `TypeError` for bad options.
   */
  sweep(options?: FsSweepOptions): Promise<FsSweepReport>;
}
