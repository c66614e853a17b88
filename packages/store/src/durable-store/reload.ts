import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import type { StoreLoadReport } from "../durable-store-types.js";
import { seedReplica } from "../store-replica.js";
import { closedError, failed } from "./entries.js";
import type { StoreCore } from "./store-core.js";
import { type WarmLoaded, warmLoad } from "./warm-load.js";

/** Closes the journal, loads snapshot + journal again and swaps the result in. Lane only. */
export async function reloadNow<S, Op>(
  core: StoreCore<S, Op>,
  reason: string,
): Promise<StoreLoadReport> {
  const work = reloadFromFiles(core, reason);
  core.reloading = work;
  try {
    return await work;
  } finally {
    core.reloading = undefined;
  }
}

async function reloadFromFiles<S, Op>(
  core: StoreCore<S, Op>,
  reason: string,
): Promise<StoreLoadReport> {
  // The changes unsaved now are replaced; those made while it loads run on the loaded state.
  const replaced = core.outbox.length;
  await core.compacting?.catch(() => undefined);
  // A close that timed out meanwhile gave up on this reload: it opens nothing more.
  if (core.closed) throw closedError();
  // Loading repairs files (a torn tail is cut): not ours to touch once another holds the lock.
  if (core.lockLost !== undefined && core.readOnlyError !== undefined) throw core.readOnlyError;
  core.counters.reloads++;
  core.lastReloadReason = reason;
  await core.journal.close();
  if (core.closed) throw closedError();
  let loaded: WarmLoaded<S>;
  try {
    loaded = await warmLoad(core);
  } catch (error) {
    if (core.closed) throw closedError();
    const e = toPersistenceError(error, { stage: "open", direction: "read" });
    core.enterReadOnly(e);
    throw e;
  }
  if (core.closed) {
    // The close that timed out waits for this reload before it releases the lock: the journal
    // opened here is closed, and nothing is published after close.
    await loaded.journal.close().catch(() => undefined);
    throw closedError();
  }
  core.journal = loaded.journal;
  core.readOnlyError = undefined;
  const unsaved = core.outbox.slice(0, replaced);
  core.outbox = core.outbox.slice(replaced);
  for (const item of unsaved) {
    item.settle(
      failed(new PersistenceError("ERR_ABORTED", `a reload (${reason}) replaced unsaved changes`)),
    );
  }
  if (core.outbox.length === 0) core.firstUnsavedAt = undefined;
  core.committed = loaded.root;
  core.visibleBase = undefined;
  core.publishVisible();
  core.emit({ type: "reloaded", reason, seq: loaded.root.seq });
  return loaded.report;
}

/** The reload after a patch that did not apply: the caller's loader, or snapshot + journal. */
export async function fallbackReload<S, Op>(core: StoreCore<S, Op>, reason: string): Promise<void> {
  const load = core.options.loadExternal;
  if (load === undefined) {
    await reloadNow(core, reason);
    return;
  }
  core.counters.reloads++;
  core.lastReloadReason = reason;
  // The caller's loader touches no file of the store: it runs unmarked, and a close that times out
  // meanwhile ends the wait (the result is then dropped).
  const value = await untilClosed(core, load(reason));
  // A compaction running now finishes first (its replica snapshot and the seed below must not
  // interleave); from the moment this reload is marked, a compaction asked for waits for it, and a
  // close that times out waits for it before it releases the lock.
  while (core.compacting !== undefined) await core.compacting.catch(() => undefined);
  if (core.closed) throw closedError();
  const work = publishExternal(core, value, reason);
  core.reloading = work;
  try {
    await work;
  } finally {
    core.reloading = undefined;
  }
}

/** `promise`, or `ERR_CLOSED` as soon as the store is closed. */
function untilClosed<S, Op, T>(core: StoreCore<S, Op>, promise: Promise<T>): Promise<T> {
  const signal = core.closedSignal.signal;
  if (signal.aborted) return Promise.reject(closedError());
  return new Promise<T>((resolve, reject) => {
    const onClose = () => reject(closedError());
    signal.addEventListener("abort", onClose, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onClose));
  });
}

/**
 * The loaded state gets a seq of its own (a record with no ops: the journal holds no record of the
 * external change) and a new snapshot at that seq, so the next warm load agrees with memory while
 * no file is deleted or rewritten (the next compaction prunes).
 */
async function publishExternal<S, Op>(
  core: StoreCore<S, Op>,
  value: S,
  reason: string,
): Promise<void> {
  let seq = core.committed.seq;
  let failure: PersistenceError | undefined;
  try {
    seq = (await core.journal.append(core.opsCodec.encode([]))).seq;
    await core.journal.sync();
    const written = await core.snapshots.write(seq, core.codec.encode(value));
    core.snapshotSeq = seq;
    core.snapshotBytes = written.bytes;
    core.bytesSinceSnapshot = 0;
    core.oldestUnsnapshottedAt = undefined;
    seedReplica(core.replica, { seq, snapshotSeq: seq, snapshot: written.target, payloads: [] });
  } catch (error) {
    failure = toPersistenceError(error, { stage: "write" });
  }
  if (core.closed) throw closedError();
  core.committed = Object.freeze({ value, seq });
  core.publishVisible();
  core.emit({ type: "reloaded", reason, seq });
  if (failure !== undefined) {
    // Memory follows the caller's system, but a restart would not: stop taking writes.
    core.enterReadOnly(failure);
    throw failure;
  }
}
