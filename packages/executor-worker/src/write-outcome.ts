import {
  PersistenceError,
  type TargetId,
  type WriteAttemptOutcome,
  type WriteStage,
  type WriteTimings,
} from "@snapwrite/core";
import { deserializeError, type WorkerMessage } from "./worker-protocol.js";

/** A write the owner posted to the worker and waits for. Internal. */
export interface PendingWrite {
  readonly id: number;
  readonly target: TargetId;
  readonly start: number;
  readonly snapshotMs: number;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
  resolve(outcome: WriteAttemptOutcome): void;
}

/** The outcome of a write that failed on the owner side, timed from `start`. Internal. */
export function failed(
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

/** The outcome the worker reported for `write`, with the owner's timings. Internal. */
export function outcomeOf(
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

/** The error of a worker terminated because it did not stop after an abort. Internal. */
export function abortedLoss(target: TargetId): PersistenceError {
  return new PersistenceError(
    "ERR_ABORTED",
    `replica worker of ${JSON.stringify(target)} did not stop after an abort and was terminated`,
    { stage: "write", target },
  );
}

/** The error of a write still pending when the worker exited. Internal. */
export function exitedWriteError(
  write: PendingWrite,
  exitError: PersistenceError,
  abortRequested: boolean,
): PersistenceError {
  return abortRequested || write.signal.aborted
    ? new PersistenceError(
        "ERR_ABORTED",
        `write of ${JSON.stringify(write.target)} aborted: the replica worker was stopped`,
        { stage: "write", target: write.target, cause: exitError },
      )
    : exitError;
}

/** The error of a write asked of a closed replica. Internal. */
export function closedError(target: TargetId): PersistenceError {
  return new PersistenceError("ERR_CLOSED", `replica of ${JSON.stringify(target)} is closed`, {
    stage: "snapshot",
    target,
  });
}

/** The error of a write whose signal was aborted before it started. Internal. */
export function abortedError(target: TargetId, reason: unknown): PersistenceError {
  return new PersistenceError("ERR_ABORTED", `write of ${JSON.stringify(target)} aborted`, {
    stage: "write",
    target,
    cause: reason,
  });
}

/** The error of a write to a lost replica that has no `resync` to rebuild it. Internal. */
export function notRebuildable(
  target: TargetId,
  cause: PersistenceError | undefined,
): PersistenceError {
  return new PersistenceError(
    "ERR_SNAPSHOT",
    `replica of ${JSON.stringify(target)} was lost and cannot be rebuilt without resync: ${cause?.message ?? "worker stopped"}`,
    { stage: "snapshot", target, cause },
  );
}
