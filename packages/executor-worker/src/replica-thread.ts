import { Worker } from "node:worker_threads";
import { PersistenceError } from "@snapwrite/core";
import type { DeadThreads } from "./dead-threads.js";
import type { ResolvedReplicaOptions } from "./worker-replica-options.js";

/**
 * Starts a worker thread of the replica, handing it the ids of the replica's workers that exited
 * before (whose temp files it sweeps), and records its own id in `deadThreads` once it exits.
 * Retries without inherited flags when one is per-process. Internal.
 */
export function startThread(
  options: ResolvedReplicaOptions<unknown>,
  deadThreads: DeadThreads,
): Worker {
  const { moduleUrl, workerOptions, replicaData } = options;
  const workerData = { snapwriteReplica: { ...replicaData, deadThreads: deadThreads.list() } };
  let thread: Worker;
  try {
    thread = new Worker(moduleUrl, { ...workerOptions, workerData });
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    // Some inherited flag is per-process only (--max-old-space-size, …): start without flags.
    workerOptions.execArgv = [];
    thread = new Worker(moduleUrl, { ...workerOptions, workerData });
  }
  deadThreads.watch(thread);
  return thread;
}

/** The error of a replica worker that announced a protocol the owner does not speak. Internal. */
export function protocolMismatch(workerProtocol: number, ownerProtocol: number): PersistenceError {
  return new PersistenceError(
    "ERR_SNAPSHOT",
    `replica worker speaks protocol ${workerProtocol}, owner ${ownerProtocol}`,
    { stage: "snapshot" },
  );
}

/** What a thread's `exit` event knows about why it stopped. Internal. */
export interface ThreadExit {
  readonly name: string;
  readonly exitCode: number;
  /** Set when the worker said `init-failed` or spoke another protocol. */
  readonly initError: PersistenceError | undefined;
  readonly ready: boolean;
  /** The last `error`/`messageerror` of the thread. */
  readonly crash: unknown;
}

/** Why the replica is lost after its thread exited. Internal. */
export function exitErrorOf(exit: ThreadExit): PersistenceError {
  const { name, exitCode, ready, crash } = exit;
  const reason = crash instanceof Error ? `: ${crash.message}` : "";
  // Exited before it was ready (its module failed to load or threw at the top level): a retry
  // would only start it again, so it is a failure to start, permanent like a throwing factory.
  if (exit.initError === undefined && !ready) {
    return new PersistenceError(
      "ERR_SNAPSHOT",
      `replica worker ${JSON.stringify(name)} failed to start (exit code ${exitCode})${reason}`,
      { stage: "snapshot", details: { reason: "worker-start", exitCode }, cause: crash },
    );
  }
  return (
    exit.initError ??
    new PersistenceError(
      "ERR_IO",
      `replica worker ${JSON.stringify(name)} exited (code ${exitCode})${reason}`,
      crash === undefined
        ? { stage: "write", details: { reason: "worker-exit", exitCode } }
        : { stage: "write", details: { reason: "worker-exit", exitCode }, cause: crash },
    )
  );
}
