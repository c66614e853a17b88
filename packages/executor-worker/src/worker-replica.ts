import type { TransferListItem, Worker } from "node:worker_threads";
import {
  PersistenceError,
  type TargetId,
  type TargetRunInput,
  type WriteAttemptOutcome,
} from "@snapwrite/core";
import { LongTimer, systemClock } from "@snapwrite/core/sink-kit";
import { DeadThreads } from "./dead-threads.js";
import type { TakenBatch } from "./patch-batch.js";
import { PatchSender } from "./patch-sender.js";
import { exitErrorOf, protocolMismatch, startThread } from "./replica-thread.js";
import {
  deserializeError,
  type OwnerMessage,
  REPLICA_PROTOCOL_VERSION,
  type WorkerMessage,
} from "./worker-protocol.js";
import { type ResolvedReplicaOptions, resolveReplicaOptions } from "./worker-replica-options.js";
import type {
  WorkerReplica,
  WorkerReplicaCloseOptions,
  WorkerReplicaOptions,
  WorkerReplicaStats,
} from "./worker-replica-types.js";
import {
  abortedError,
  abortedLoss,
  closedError,
  exitedWriteError,
  failed,
  notRebuildable,
  outcomeOf,
  type PendingWrite,
} from "./write-outcome.js";

/**
 * Starts a worker thread holding a replica of a target's state (see {@link WorkerReplica}). The
 * worker is `unref`ed while idle, so it never keeps the process alive by itself; it is referenced
 * while a write runs. Throws `TypeError`/`RangeError` for bad options (also when `options` cannot be
 * cloned).
 */
export function createWorkerReplica<P, O = unknown>(
  replicaOptions: WorkerReplicaOptions<P, O>,
): WorkerReplica<P> {
  return startWorkerReplica(resolveReplicaOptions(replicaOptions));
}

/**
 * Starts a replica from options `resolveReplicaOptions` already checked, once: `createStoreReplica`
 * checks its own under its name and starts the worker through this. Internal.
 */
export function startWorkerReplica<P>(resolved: ResolvedReplicaOptions<P>): WorkerReplica<P> {
  const { resync, name, abortGraceMs } = resolved;

  let worker: Worker | undefined;
  let alive = false;
  let closed = false;
  let closePromise: Promise<void> | undefined;
  let lostError: PersistenceError | undefined;
  const sender = new PatchSender(resolved.batchDelayMs, resolved.batchBytes, deliver);
  let nextId = 0;
  const pending = new Map<number, PendingWrite>();
  const stats = { patches: 0, batches: 0, dropped: 0, spawns: 0, resyncs: 0 };
  let closeWaiter: (() => void) | undefined;
  let attachedTarget: TargetId | undefined;
  let markAbort: () => void = () => {};
  const deadThreads = new DeadThreads();

  function spawn(): void {
    const thread = startThread(resolved, deadThreads);
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
          initError = protocolMismatch(message.protocol, REPLICA_PROTOCOL_VERSION);
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
      onThreadExit(exitErrorOf({ name, exitCode, initError, ready, crash }), abortRequested);
    });
    markAbort = () => {
      abortRequested = true;
    };
    // Only now: adding the first `message` listener references the thread's port again.
    thread.unref();
  }

  function onThreadExit(exitError: PersistenceError, abortRequested: boolean): void {
    closeWaiter?.();
    worker = undefined;
    alive = false;
    lostError = exitError;
    for (const write of [...pending.values()]) {
      const error = exitedWriteError(write, exitError, abortRequested);
      settle(write, failed(error.stage ?? "write", error, write.start, write.snapshotMs));
    }
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
    sender.drop();
    const thread = worker;
    if (thread !== undefined) void thread.terminate();
  }

  function deliver(taken: TakenBatch): void {
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

  /** Starts a new worker and rebuilds the replica in it; undefined when that worked. */
  function rebuild(target: TargetId, start: number): WriteAttemptOutcome | undefined {
    const cause = lostError;
    if (resync === undefined) return failed("snapshot", notRebuildable(target, cause), start);
    if (worker !== undefined) void worker.terminate();
    sender.drop();
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
    return undefined;
  }

  async function write(input: TargetRunInput): Promise<WriteAttemptOutcome> {
    const start = performance.now();
    const { target } = input;
    if (closed) return failed("snapshot", closedError(target), start);
    if (input.signal.aborted) {
      return failed("write", abortedError(target, input.signal.reason), start);
    }
    if (!alive) {
      const failure = rebuild(target, start);
      if (failure !== undefined) return failure;
    }
    sender.flush();
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
    return awaitWritten(thread, id, input, start, performance.now() - start);
  }

  function awaitWritten(
    thread: Worker,
    id: number,
    input: TargetRunInput,
    start: number,
    snapshotMs: number,
  ): Promise<WriteAttemptOutcome> {
    const { target } = input;
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

  function close(options?: WorkerReplicaCloseOptions): Promise<void> {
    if (closePromise !== undefined) return closePromise;
    const timeoutMs = options?.timeoutMs ?? 5000;
    if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`timeoutMs must be a number >= 0, got ${String(timeoutMs)}`);
    }
    closed = true;
    sender.drop();
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

  /** Counts a patch; false when it is dropped because the replica is lost. */
  function accept(): boolean {
    if (closed) throw new PersistenceError("ERR_CLOSED", "replica is closed: cannot patch");
    stats.patches++;
    if (alive) return true;
    stats.dropped++;
    return false;
  }

  const api: WorkerReplica<P> = {
    patch(patch: P, transferList?: readonly TransferListItem[]): void {
      if (accept()) sender.addObject(patch, transferList);
    },
    patchBytes(tag: number, bytes: Uint8Array): void {
      if (closed) throw new PersistenceError("ERR_CLOSED", "replica is closed: cannot patch");
      if (!Number.isInteger(tag) || tag < 0 || tag > 255) {
        throw new RangeError(`tag must be an integer from 0 to 255, got ${String(tag)}`);
      }
      if (!(bytes instanceof Uint8Array)) throw new TypeError("bytes must be a Uint8Array");
      if (accept()) sender.addBytes(tag, bytes);
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
