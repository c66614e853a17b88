import { PersistenceError } from "@snapwrite/core";
import { LongTimer } from "@snapwrite/core/sink-kit";
import type { JournalCloseReport } from "@snapwrite/journal";
import type { StoreCloseReport } from "../durable-store-types.js";
import { closedError, failed } from "./entries.js";
import { IN_FLIGHT_WAIT_MS } from "./mutation-fence.js";
import type { StoreCore } from "./store-core.js";
import { releaseStoreLock } from "./store-lock.js";

/**
 * Flushes the unsaved changes, lets the lane and a running compaction finish and syncs the
 * journal, within `timeoutMs` (checked by the caller: a number ≥ 0 or `Infinity`, which never
 * times out); after the deadline every waiting entry settles `ERR_CLOSED` (the changes among them
 * are counted), and the lock is released once a reload still running and the journal's close have
 * finished. Only that work races the deadline: releasing the journal's file, the replica and the
 * lock once it is done never turns a close into a timed-out one (with a deadline shorter than the
 * release takes, the release finishes in the background, and the report says `released: false`),
 * so an idle store closes clean even with `timeoutMs: 0`. After a timeout a compaction still
 * running changes no file any more (the store's fence refuses it, see mutation-fence.ts), and the
 * lock is released only once a file call it had started has returned.
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
  // Work that finished needs no timer turn to say so: an idle store's drain settles in
  // microtasks, which all run before a timer (even a zero one) can fire.
  const outcome = await Promise.race([finishWork(core), deadline]);
  let abandoned = 0;
  let error: PersistenceError | undefined;
  let result: StoreCloseReport["outcome"] = "clean";
  let released = false;
  if (outcome === "timeout") {
    // Before anything else: no compaction step may change a file from here on.
    core.fence.raise(closedError);
    result = "timed-out";
    error = new PersistenceError("ERR_TIMEOUT", `close did not finish within ${timeoutMs} ms`, {
      stage: "close",
    });
    abandoned = abandonQueue(core);
    // A reload running now closes the journal it opens itself (see reload.ts): the lock is
    // released once it has, and the journal the store holds is closed.
    void Promise.resolve(core.reloading)
      .catch(() => undefined)
      .then(() => releaseStore(core, 0));
  } else {
    // The work is done: the release gets what is left of the deadline, then goes on on its own.
    const release = await Promise.race([releaseStore(core, undefined), deadline]);
    released = release !== "timeout";
    const report = outcome ?? (release === "timeout" ? undefined : release);
    if (report !== undefined && !report.ok) {
      result = "failed";
      error = report.error;
    }
  }
  timer?.cancel();
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
    released,
    error,
  });
}

/**
 * Queues a last flush, waits for the lane and a running compaction, then syncs the journal: all
 * that close waits for before it releases anything. Resolves `undefined` once synced; when the
 * journal refuses to sync (read-only, or closed by a reload that failed), with its close report,
 * which says why.
 */
async function finishWork<S, Op>(core: StoreCore<S, Op>): Promise<JournalCloseReport | undefined> {
  if (core.outbox.length > 0) core.lane.enqueue({ kind: "flush" });
  await new Promise<void>((resolve) =>
    core.lane.enqueue({ kind: "task", run: async () => resolve() }),
  );
  await core.compacting?.catch(() => undefined);
  const journal = core.journal;
  try {
    await journal.sync();
    return undefined;
  } catch {
    return journal.close();
  }
}

/**
 * Closes the journal, stops the replica (with `replicaTimeoutMs`: absent once the work finished,
 * `0` after a timed-out close), waits for the directory-changing file calls still running (at
 * most `IN_FLIGHT_WAIT_MS`: a call that hangs longer may land after the release) and then
 * releases the lock, so nothing of this store writes into the directory once another process may
 * take it. Never rejects; resolves with the journal's close report.
 */
async function releaseStore<S, Op>(
  core: StoreCore<S, Op>,
  replicaTimeoutMs: number | undefined,
): Promise<JournalCloseReport | undefined> {
  const closed = await core.journal.close().catch(() => undefined);
  const options = replicaTimeoutMs === undefined ? undefined : { timeoutMs: replicaTimeoutMs };
  await core.replica?.close?.(options).catch(() => undefined);
  await core.fence.drained(core.clock, IN_FLIGHT_WAIT_MS);
  await releaseStoreLock(core).catch(() => undefined);
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
