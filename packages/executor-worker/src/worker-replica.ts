import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type ResourceLimits, type TransferListItem, Worker } from "node:worker_threads";
import {
  PersistenceError,
  type TargetId,
  type TargetRunInput,
  type TargetRunner,
  type WriteAttemptOutcome,
  type WriteStage,
  type WriteTimings,
} from "@snapwrite/core";
import { LongTimer, systemClock } from "@snapwrite/core/sink-kit";
import { PatchBatch } from "./patch-batch.js";
import {
  deserializeError,
  type OwnerMessage,
  REPLICA_PROTOCOL_VERSION,
  type WorkerMessage,
} from "./worker-protocol.js";

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
  /** Heap limits of the worker thread (`worker_threads` `resourceLimits`). */
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

interface PendingWrite {
  readonly id: number;
  readonly target: TargetId;
  readonly start: number;
  readonly snapshotMs: number;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
  resolve(outcome: WriteAttemptOutcome): void;
}

function toModuleUrl(module: string | URL): URL | string {
  if (typeof module === "string" && module.length === 0) {
    throw new TypeError("module must be a file URL or an absolute path of the worker module");
  }
  if (!(module instanceof URL) && typeof module !== "string") {
    throw new TypeError("module must be a file URL or an absolute path of the worker module");
  }
  const url = module instanceof URL || module.startsWith("file:") ? new URL(module) : module;
  // A missing module would only show as a worker that exits at once, again at every retry.
  const path =
    url instanceof URL ? (url.protocol === "file:" ? fileURLToPath(url) : undefined) : url;
  if (path !== undefined && !existsSync(path)) {
    throw new TypeError(`the worker module ${JSON.stringify(path)} does not exist`);
  }
  return url;
}

function failed(
  stage: WriteStage,
  error: PersistenceError,
  start: number,
  snapshotMs = performance.now() - start,
): WriteAttemptOutcome {
  const totalMs = performance.now() - start;
  return {
    ok: false,
    stage,
    error,
    timings: { snapshotMs, encodeMs: 0, writeMs: totalMs - snapshotMs, totalMs },
  };
}

/**
 * Starts a worker thread holding a replica of a target's state (see {@link WorkerReplica}). The
 * worker is `unref`ed while idle, so it never keeps the process alive by itself; it is referenced
 * while a write runs. Throws `TypeError`/`RangeError` for bad options (also when `options` cannot be
 * cloned).
 */
export function createWorkerReplica<P, O = unknown>(
  replicaOptions: WorkerReplicaOptions<P, O>,
): WorkerReplica<P> {
  if (typeof replicaOptions !== "object" || replicaOptions === null) {
    throw new TypeError("createWorkerReplica needs an options object");
  }
  const moduleUrl = toModuleUrl(replicaOptions.module);
  const { resync, resourceLimits } = replicaOptions;
  if (resync !== undefined && typeof resync !== "function") {
    throw new TypeError("resync must be a function");
  }
  const name = replicaOptions.name ?? "snapwrite-replica";
  if (typeof name !== "string") throw new TypeError("name must be a string");
  if (
    resourceLimits !== undefined &&
    (typeof resourceLimits !== "object" || resourceLimits === null)
  ) {
    throw new TypeError("resourceLimits must be an object");
  }
  const abortGraceMs = replicaOptions.abortGraceMs ?? 1000;
  if (typeof abortGraceMs !== "number") throw new TypeError("abortGraceMs must be a number");
  if (!Number.isFinite(abortGraceMs) || abortGraceMs < 0) {
    throw new RangeError(`abortGraceMs must be a finite number >= 0, got ${abortGraceMs}`);
  }
  const batchDelayMs = replicaOptions.batchDelayMs ?? 50;
  if (typeof batchDelayMs !== "number") throw new TypeError("batchDelayMs must be a number");
  if (!Number.isFinite(batchDelayMs) || batchDelayMs < 0) {
    throw new RangeError(`batchDelayMs must be a finite number >= 0, got ${batchDelayMs}`);
  }
  const batchBytes = replicaOptions.batchBytes ?? 256 * 1024;
  if (typeof batchBytes !== "number") throw new TypeError("batchBytes must be a number");
  if (!Number.isInteger(batchBytes) || batchBytes < 1) {
    throw new RangeError(`batchBytes must be an integer >= 1, got ${batchBytes}`);
  }
  // Workers inherit the process's flags; `--input-type` (from `node -e`) would break loading the
  // module. Only a list passed explicitly is checked for per-process flags, so pass one only then.
  const execArgv = process.execArgv.filter((flag) => !flag.startsWith("--input-type"));
  const workerOptions = {
    name,
    execArgv: execArgv.length === process.execArgv.length ? undefined : execArgv,
    resourceLimits,
    workerData: {
      snapwriteReplica: { protocol: REPLICA_PROTOCOL_VERSION, options: replicaOptions.options },
    },
  };

  let worker: Worker | undefined;
  let alive = false;
  let closed = false;
  let closePromise: Promise<void> | undefined;
  let lostError: PersistenceError | undefined;
  const batch = new PatchBatch();
  let flushQueued = false;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let nextId = 0;
  const pending = new Map<number, PendingWrite>();
  const stats = { patches: 0, batches: 0, dropped: 0, spawns: 0, resyncs: 0 };
  let closeWaiter: (() => void) | undefined;
  let attachedTarget: TargetId | undefined;

  const onFlush = (): void => {
    flushQueued = false;
    flush();
  };
  const onFlushTimer = (): void => {
    flushTimer = undefined;
    flush();
  };

  function startThread(): Worker {
    try {
      return new Worker(moduleUrl, workerOptions);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
      // Some inherited flag is per-process only (--max-old-space-size, …): start without flags.
      workerOptions.execArgv = [];
      return new Worker(moduleUrl, workerOptions);
    }
  }

  function spawn(): void {
    const thread = startThread();
    thread.unref();
    worker = thread;
    alive = true;
    lostError = undefined;
    stats.spawns++;
    let initError: PersistenceError | undefined;
    let ready = false;
    let crash: unknown;
    let abortRequested = false;
    thread.on("message", (message: WorkerMessage) => {
      if (message.type === "written") {
        const write = pending.get(message.id);
        if (write === undefined) return;
        settle(write, outcomeOf(write, message));
      } else if (message.type === "init-failed") {
        initError = deserializeError(message.error);
      } else if (message.type === "ready") {
        ready = true;
        if (message.protocol !== REPLICA_PROTOCOL_VERSION) {
          initError = new PersistenceError(
            "ERR_SNAPSHOT",
            `replica worker speaks protocol ${message.protocol}, owner ${REPLICA_PROTOCOL_VERSION}`,
            { stage: "snapshot" },
          );
          void thread.terminate();
        }
      } else if (message.type === "closed") {
        // The sink is closed: nothing is left to lose, and stray handles must not delay the exit.
        void thread.terminate();
      }
    });
    thread.on("error", (error: unknown) => {
      crash = error;
    });
    thread.on("messageerror", (error: unknown) => {
      // A reply that cannot be read would leave its write waiting forever: stop the worker instead.
      crash = error;
      if (worker === thread) {
        lose(
          new PersistenceError("ERR_IO", "a message from the replica worker could not be read", {
            stage: "write",
            cause: error,
          }),
        );
      }
    });
    thread.on("exit", (exitCode: number) => {
      if (worker !== thread) return;
      closeWaiter?.();
      worker = undefined;
      alive = false;
      const reason = crash instanceof Error ? `: ${crash.message}` : "";
      // Exited before it was ready (its module failed to load or threw at the top level): a retry
      // would only start it again, so it is a failure to start, permanent like a throwing factory.
      if (initError === undefined && !ready) {
        initError = new PersistenceError(
          "ERR_SNAPSHOT",
          `replica worker ${JSON.stringify(name)} failed to start (exit code ${exitCode})${reason}`,
          { stage: "snapshot", details: { reason: "worker-start", exitCode }, cause: crash },
        );
      }
      const exitError =
        initError ??
        new PersistenceError(
          "ERR_IO",
          `replica worker ${JSON.stringify(name)} exited (code ${exitCode})${reason}`,
          crash === undefined
            ? { stage: "write", details: { reason: "worker-exit", exitCode } }
            : { stage: "write", details: { reason: "worker-exit", exitCode }, cause: crash },
        );
      lostError = exitError;
      for (const write of [...pending.values()]) {
        const error =
          abortRequested || write.signal.aborted
            ? new PersistenceError(
                "ERR_ABORTED",
                `write of ${JSON.stringify(write.target)} aborted: the replica worker was stopped`,
                { stage: "write", target: write.target, cause: exitError },
              )
            : exitError;
        settle(write, failed(error.stage ?? "write", error, write.start, write.snapshotMs));
      }
    });
    markAbort = () => {
      abortRequested = true;
    };
  }
  let markAbort: () => void = () => {};

  function outcomeOf(
    write: PendingWrite,
    message: Extract<WorkerMessage, { type: "written" }>,
  ): WriteAttemptOutcome {
    const totalMs = performance.now() - write.start;
    const timings: WriteTimings = {
      snapshotMs: write.snapshotMs,
      encodeMs: message.timings.encodeMs,
      writeMs: message.timings.writeMs,
      totalMs,
    };
    if (message.ok) {
      return { ok: true, bytes: message.bytes, durable: message.durable, timings };
    }
    const error = deserializeError(message.error);
    return { ok: false, stage: error.stage ?? "write", error, timings };
  }

  function settle(write: PendingWrite, outcome: WriteAttemptOutcome): void {
    if (!pending.delete(write.id)) return;
    write.signal.removeEventListener("abort", write.onAbort);
    if (pending.size === 0) worker?.unref();
    write.resolve(outcome);
  }

  function lose(error: PersistenceError): void {
    lostError = error;
    alive = false;
    dropBatch();
    const thread = worker;
    if (thread !== undefined) void thread.terminate();
  }

  function dropBatch(): void {
    if (flushTimer !== undefined) {
      clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    batch.clear();
  }

  function flush(): void {
    if (flushTimer !== undefined) {
      clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    const taken = batch.take();
    if (taken === undefined) return;
    const thread = worker;
    if (!alive || thread === undefined) {
      stats.dropped += taken.count;
      return;
    }
    try {
      const message: OwnerMessage = { type: "patches", segments: taken.segments };
      thread.postMessage(message, taken.transfer);
      stats.batches++;
    } catch (error) {
      // Part of the patch stream is gone: the replica no longer matches the owner's state.
      stats.dropped += taken.count;
      lose(
        new PersistenceError(
          "ERR_SNAPSHOT",
          `a patch could not be posted to the replica worker: ${error instanceof Error ? error.message : String(error)}`,
          { stage: "snapshot", cause: error },
        ),
      );
    }
  }

  async function write(input: TargetRunInput): Promise<WriteAttemptOutcome> {
    const start = performance.now();
    const { target } = input;
    if (closed) {
      return failed(
        "snapshot",
        new PersistenceError("ERR_CLOSED", `replica of ${JSON.stringify(target)} is closed`, {
          stage: "snapshot",
          target,
        }),
        start,
      );
    }
    if (input.signal.aborted) {
      return failed(
        "write",
        new PersistenceError("ERR_ABORTED", `write of ${JSON.stringify(target)} aborted`, {
          stage: "write",
          target,
          cause: input.signal.reason,
        }),
        start,
      );
    }
    if (!alive) {
      const cause = lostError;
      if (resync === undefined) {
        return failed(
          "snapshot",
          new PersistenceError(
            "ERR_SNAPSHOT",
            `replica of ${JSON.stringify(target)} was lost and cannot be rebuilt without resync: ${cause?.message ?? "worker stopped"}`,
            { stage: "snapshot", target, cause },
          ),
          start,
        );
      }
      if (worker !== undefined) void worker.terminate();
      dropBatch();
      try {
        spawn();
        stats.resyncs++;
        resync(api);
      } catch (error) {
        lose(
          new PersistenceError("ERR_SNAPSHOT", `resync of ${JSON.stringify(target)} failed`, {
            stage: "snapshot",
            target,
            cause: error,
          }),
        );
        return failed("snapshot", lostError ?? abortedLoss(target), start);
      }
    }
    flush();
    const thread = worker;
    if (!alive || thread === undefined) {
      return failed(
        "snapshot",
        lostError ??
          new PersistenceError("ERR_SNAPSHOT", "replica worker is gone", {
            stage: "snapshot",
            target,
          }),
        start,
      );
    }
    const id = ++nextId;
    const message: OwnerMessage = {
      type: "write",
      id,
      target,
      generation: input.generation,
      attempt: input.attempt,
    };
    thread.postMessage(message);
    thread.ref();
    const snapshotMs = performance.now() - start;
    return new Promise<WriteAttemptOutcome>((resolve) => {
      // A worker stuck in a synchronous encode never reads the abort message: stop it.
      const graceTimer = new LongTimer(
        systemClock,
        () => {
          if (pending.has(id) && worker === thread) lose(lostError ?? abortedLoss(target));
        },
        { unref: true },
      );
      const onAbort = (): void => {
        if (!pending.has(id)) return;
        const abort: OwnerMessage = { type: "abort", id };
        thread.postMessage(abort);
        markAbort();
        graceTimer.arm(abortGraceMs);
      };
      const entry: PendingWrite = {
        id,
        target,
        start,
        snapshotMs,
        signal: input.signal,
        onAbort,
        resolve(outcome) {
          graceTimer.cancel();
          resolve(outcome);
        },
      };
      pending.set(id, entry);
      input.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  function abortedLoss(target: TargetId): PersistenceError {
    return new PersistenceError(
      "ERR_ABORTED",
      `replica worker of ${JSON.stringify(target)} did not stop after an abort and was terminated`,
      { stage: "write", target },
    );
  }

  function close(options?: WorkerReplicaCloseOptions): Promise<void> {
    if (closePromise !== undefined) return closePromise;
    const timeoutMs = options?.timeoutMs ?? 5000;
    if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`timeoutMs must be a number >= 0, got ${String(timeoutMs)}`);
    }
    closed = true;
    dropBatch();
    const thread = worker;
    if (thread === undefined) {
      closePromise = Promise.resolve();
      return closePromise;
    }
    closePromise = new Promise<void>((resolve) => {
      const timer = new LongTimer(systemClock, () => {
        markAbort();
        void thread.terminate();
      });
      closeWaiter = () => {
        timer.cancel();
        closeWaiter = undefined;
        resolve();
      };
      if (timeoutMs === 0 || !alive) {
        markAbort();
        void thread.terminate();
        return;
      }
      const message: OwnerMessage = { type: "close" };
      thread.postMessage(message);
      thread.ref();
      timer.arm(timeoutMs);
    }).then(() => {
      thread.unref();
    });
    return closePromise;
  }

  const api: WorkerReplica<P> = {
    patch(patch: P, transferList?: readonly TransferListItem[]): void {
      if (closed) throw new PersistenceError("ERR_CLOSED", "replica is closed: cannot patch");
      stats.patches++;
      if (!alive) {
        stats.dropped++;
        return;
      }
      batch.addObject(patch, transferList);
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(onFlush);
      }
    },
    patchBytes(tag: number, bytes: Uint8Array): void {
      if (closed) throw new PersistenceError("ERR_CLOSED", "replica is closed: cannot patch");
      if (!Number.isInteger(tag) || tag < 0 || tag > 255) {
        throw new RangeError(`tag must be an integer from 0 to 255, got ${String(tag)}`);
      }
      if (!(bytes instanceof Uint8Array)) throw new TypeError("bytes must be a Uint8Array");
      stats.patches++;
      if (!alive) {
        stats.dropped++;
        return;
      }
      batch.addBytes(tag, bytes);
      if (batch.pendingBytes >= batchBytes) {
        flush();
      } else if (batchDelayMs === 0) {
        if (!flushQueued) {
          flushQueued = true;
          queueMicrotask(onFlush);
        }
      } else if (flushTimer === undefined) {
        flushTimer = setTimeout(onFlushTimer, batchDelayMs);
        flushTimer.unref();
      }
    },
    get stats(): WorkerReplicaStats {
      return Object.freeze({ ...stats, alive });
    },
    run: write,
    attach(target: TargetId): void {
      if (attachedTarget !== undefined) {
        throw new TypeError(
          `the replica is registered for ${JSON.stringify(attachedTarget)} already: one replica serves one target`,
        );
      }
      attachedTarget = target;
    },
    close,
  };
  try {
    spawn();
  } catch (error) {
    if (error instanceof Error && error.name === "DataCloneError") {
      throw new TypeError(`options must be structured-cloneable: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
  return Object.freeze(api);
}
