import type { ResourceLimits, TransferListItem } from "node:worker_threads";
import type { TargetId, TargetRunInput, TargetRunner, WriteAttemptOutcome } from "@snapwrite/core";

/** Options of {@link createWorkerReplica}. `O` is the type of `options`. */
export interface WorkerReplicaOptions<P, O = unknown> {
  /**
   * The worker module: a `file:` URL (`new URL("./known-worker.js", import.meta.url)`) or an
   * absolute path of an ES module that calls `serveReplica({ createReplica, createSink })` of
   * `@snapwrite/executor-worker`. It runs in a worker thread, so it must be JavaScript Node can load.
   */
  readonly module: string | URL;
  /** Handed to the module's `createReplica` and `createSink`. Must be structured-cloneable. */
  readonly options?: O | undefined;
  /** Thread name, shown in debuggers and heap snapshots. Default `"snapwrite-replica"`. */
  readonly name?: string | undefined;
  /**
   * Heap limits of the worker thread (`worker_threads` `resourceLimits`). `maxYoungGenerationSizeMb`
   * defaults to `3` (`DEFAULT_YOUNG_GENERATION_MB`: V8's smallest young generation), so the garbage
   * of patches and saves is collected before it piles up beside a replica held in typed arrays;
   * `0` leaves V8's own sizing (better for a replica of many JS objects). A finite number `>= 0`.
   */
  readonly resourceLimits?: ResourceLimits | undefined;
  /**
   * Rebuilds the replica after it was lost (the worker crashed, failed to start, or a patch could
   * not be posted): called on the owner thread with the replica, right after a new worker was
   * started, and must `patch()` the whole current state into it. Without it a lost replica cannot
   * be rebuilt and every later write fails with `ERR_SNAPSHOT` (permanent): writing an incomplete
   * replica would destroy data.
   */
  readonly resync?: ((replica: WorkerReplica<P>) => void) | undefined;
  /**
   * After the owner aborted a write (close deadline), how long the worker gets to stop before it is
   * terminated, in ms. Finite, `>= 0`. Default `1000`.
   */
  readonly abortGraceMs?: number | undefined;
  /**
   * How long binary patches ({@link WorkerReplica.patchBytes}) may wait on the owner before they are
   * posted, in ms: patches of this window share one message (a write posts them at once, so no
   * write ever misses one). Finite, `>= 0`; `0` posts them at the end of the turn. Default `50`.
   */
  readonly batchDelayMs?: number | undefined;
  /**
   * Binary patches are posted as soon as this many bytes wait, whatever `batchDelayMs` says.
   * Integer `>= 1`. Default `262144` (256 KiB).
   */
  readonly batchBytes?: number | undefined;
}

/** Options of {@link WorkerReplica.close}. */
export interface WorkerReplicaCloseOptions {
  /**
   * How long the worker gets to finish a running write and close its sink before it is terminated,
   * in ms. `>= 0`; `Infinity` waits. Default `5000`.
   */
  readonly timeoutMs?: number | undefined;
}

/** Counters of a {@link WorkerReplica}, read now. */
export interface WorkerReplicaStats {
  /** Patches accepted by `patch()` and `patchBytes()`. */
  readonly patches: number;
  /**
   * Messages that carried them (object patches of one event-loop turn share one message; binary
   * patches of one `batchDelayMs` window too).
   */
  readonly batches: number;
  /** Patches dropped because the replica was lost (the next `resync` covers them). */
  readonly dropped: number;
  /** Worker threads started, the first one included. */
  readonly spawns: number;
  /** Times `resync` rebuilt a lost replica. */
  readonly resyncs: number;
  /** True while a worker holds an intact replica. */
  readonly alive: boolean;
}

/**
 * A replica of the owner's state kept in a worker thread. The owner calls {@link patch} for every
 * change (O(size of the change)). It is a `TargetRunner` of `@snapwrite/core`: a writer target
 * registered with `{ runner: replica }` encodes and writes in the worker, so a save costs the owner
 * O(1) instead of O(state).
 */
export interface WorkerReplica<P> extends TargetRunner {
  /**
   * Posts one patch: patches of one event-loop turn go out as one message, in call order, before
   * any write that starts later. `transfer` lists buffers to move instead of copy (the caller must
   * not touch them afterwards). Throws `ERR_CLOSED` after {@link close}; while the replica is lost
   * the patch is dropped (counted) because `resync` will rebuild the whole state.
   */
  patch(patch: P, transfer?: readonly TransferListItem[]): void;
  /**
   * Posts one binary patch: `bytes` is copied at once (the caller may reuse or change it right
   * after; a view into a larger buffer costs only its own bytes) into a buffer that is transferred
   * with the other binary patches of the `batchDelayMs` window, so a patch costs the owner a copy,
   * not a message. The worker's replica gets it as `applyBytes(tag, payload)`, in order with the
   * object patches. `tag` (an integer 0–255) says what the bytes are. Throws `ERR_CLOSED` after
   * {@link close}, `RangeError` for a bad tag, `TypeError` for bytes that are not a `Uint8Array`.
   */
  patchBytes(tag: number, bytes: Uint8Array): void;
  /** Counters, read now. */
  readonly stats: WorkerReplicaStats;
  /**
   * Starts a write in the worker: flushes the patches posted so far, then asks the worker to encode
   * the replica as it is after them and write it to its sink. Resolves with the outcome (never
   * rejects); aborting `input.signal` aborts the worker's write, and a worker that does not stop
   * within `abortGraceMs` is terminated. The writer calls it; call it yourself only for a replica
   * that is not registered with a writer.
   */
  run(input: TargetRunInput): Promise<WriteAttemptOutcome>;
  /**
   * Binds the replica to the writer target it serves. `register()` calls it; a second target is a
   * `TypeError` (one replica holds the state of one target).
   */
  attach(target: TargetId): void;
  /**
   * Lets a running write finish, closes the worker's sink and stops the worker; terminates it when
   * `timeoutMs` passes. Idempotent. The writer a replica is registered with calls it from its own
   * `close()`.
   */
  close(options?: WorkerReplicaCloseOptions): Promise<void>;
}
