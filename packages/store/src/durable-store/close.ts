import { PersistenceError } from "@snapwrite/core";
import type { StoreCloseReport } from "../durable-store-types.js";
import { closedError, failed } from "./entries.js";
import type { StoreCore } from "./store-core.js";
import { releaseStoreLock } from "./store-lock.js";

/**
 * Flushes the unsaved changes, lets the lane and a running compaction finish, closes the journal
 * and releases the lock, within `timeoutMs`; after the deadline the waiting changes fail and are
 * counted (the lock is released once the journal's close has finished).
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
  let timer: unknown;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = clock.setTimeout(() => resolve("timeout"), Math.max(0, timeoutMs));
  });
  const outcome = await Promise.race([finishLane(core), deadline]);
  clock.clearTimeout(timer);
  let abandoned = 0;
  let error: PersistenceError | undefined;
  let result: StoreCloseReport["outcome"] = "clean";
  if (outcome === "timeout") {
    result = "timed-out";
    error = new PersistenceError("ERR_TIMEOUT", `close did not finish within ${timeoutMs} ms`, {
      stage: "close",
    });
    abandoned = abandonQueue(core);
    void core.journal
      .close()
      .catch(() => undefined)
      .then(() => releaseStoreLock(core));
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
  return Object.freeze({
    ok: result === "clean",
    outcome: result,
    durationMs: clock.now() - started,
    committedSeq: core.committed.seq,
    durableSeq: Math.min(core.journal.state.durableSeq, core.committed.seq),
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

/** Empties the lane, failing the changes that waited in it; returns how many there were. */
function abandonQueue<S, Op>(core: StoreCore<S, Op>): number {
  let abandoned = 0;
  for (const entry of core.lane.drain()) {
    if (entry.kind === "commit" || entry.kind === "external") {
      abandoned++;
      entry.settle(failed(closedError()));
    }
  }
  return abandoned;
}
