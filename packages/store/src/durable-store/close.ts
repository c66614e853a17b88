import { PersistenceError } from "@snapwrite/core";
import { LongTimer } from "@snapwrite/core/sink-kit";
import type { StoreCloseReport } from "../durable-store-types.js";
import { closedError, failed } from "./entries.js";
import type { StoreCore } from "./store-core.js";
import { releaseStoreLock } from "./store-lock.js";

/**
 * Flushes the unsaved changes, lets the lane and a running compaction finish, closes the journal
 * and releases the lock, within `timeoutMs` (checked by the caller: a number ≥ 0 or `Infinity`,
 * which never times out); after the deadline every waiting entry settles `ERR_CLOSED` (the changes
 * among them are counted), and the lock is released once a reload still running and the journal's
 * close have finished.
 */
export async function closeStore<S, Op>(
  core: StoreCore<S, Op>,
  timeoutMs: number,
): Promise<StoreCloseReport> {
  const { clock } = core;
  const started = clock.now();
  if (core.flushTimer !== undefined) {
    clock.clearTimeout(core.flushTimer);
    core.flushTimer = undefined;
  }
  // In steps of at most 2^31 − 1 ms: a longer delay given to a Node timer fires after 1 ms.
  let timer: LongTimer | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = new LongTimer(clock, () => resolve("timeout"));
    timer.arm(timeoutMs);
  });
  const outcome = await Promise.race([finishLane(core), deadline]);
  timer?.cancel();
  let abandoned = 0;
  let error: PersistenceError | undefined;
  let result: StoreCloseReport["outcome"] = "clean";
  if (outcome === "timeout") {
    result = "timed-out";
    error = new PersistenceError("ERR_TIMEOUT", `close did not finish within ${timeoutMs} ms`, {
      stage: "close",
    });
    abandoned = abandonQueue(core);
    // A reload running now closes the journal it opens itself (see reload.ts): the lock is
    // released once it has, and the journal the store holds is closed.
    // The replica (a worker still writing a snapshot, say) is stopped at once and before the lock
    // is released, so nothing of this store writes into a directory another process took over.
    void Promise.resolve(core.reloading)
      .catch(() => undefined)
      .then(() => core.journal.close())
      .catch(() => undefined)
      .then(() => core.replica?.close?.({ timeoutMs: 0 }))
      .catch(() => undefined)
      .then(() => releaseStoreLock(core))
      .catch(() => undefined);
  } else if (!outcome.ok) {
    result = "failed";
    error = outcome.error;
  }
  const unsaved = core.outbox.length;
  if (unsaved > 0) {
    result = result === "clean" ? "failed" : result;
    core.failOutbox(error ?? closedError(), false);
  }
  core.closed = true;
  core.closedSignal.abort();
  return Object.freeze({
    ok: result === "clean",
    outcome: result,
    durationMs: clock.now() - started,
    committedSeq: core.committed.seq,
    durableSeq: Math.min(core.journal.state.durableSeq, core.committed.seq),
    inFlight: result === "timed-out" ? core.inFlightRecords : 0,
    unsaved,
    abandoned,
    error,
  });
}

/** Queues a last flush, waits for the lane and a running compaction, then closes the journal. */
async function finishLane<S, Op>(core: StoreCore<S, Op>) {
  if (core.outbox.length > 0) core.lane.enqueue({ kind: "flush" });
  await new Promise<void>((resolve) =>
    core.lane.enqueue({ kind: "task", run: async () => resolve() }),
  );
  await core.compacting?.catch(() => undefined);
  const closed = await core.journal.close();
  await releaseStoreLock(core);
  await core.replica?.close?.().catch(() => undefined);
  return closed;
}

/**
 * Empties the lane: the changes that waited in it fail and a waiting task (a `reload`) rejects, all
 * with `ERR_CLOSED`, in queue order; returns how many changes there were.
 */
function abandonQueue<S, Op>(core: StoreCore<S, Op>): number {
  let abandoned = 0;
  for (const entry of core.lane.drain()) {
    if (entry.kind === "commit" || entry.kind === "external") {
      abandoned++;
      entry.settle(failed(closedError()));
    } else if (entry.kind === "task") {
      entry.abandon?.(closedError());
    }
  }
  return abandoned;
}
