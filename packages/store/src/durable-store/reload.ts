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
  // Marked as a reload, as `reloadNow` does: a compaction asked for meanwhile waits for it (its
  // snapshot and the replica's seed must not interleave), and a close that times out waits for it
  // before it releases the lock.
  const work = reloadExternal(core, load, reason);
  core.reloading = work;
  try {
    await work;
  } finally {
    core.reloading = undefined;
  }
}

async function reloadExternal<S, Op>(
  core: StoreCore<S, Op>,
  load: (reason: string) => Promise<S>,
  reason: string,
): Promise<void> {
  // A compaction already running is awaited below; one asked for from now on waits for this reload.
  const running = core.compacting;
  core.counters.reloads++;
  core.lastReloadReason = reason;
  const value = await load(reason);
  // The journal holds no record for the external change. The loaded state gets a seq of its own
  // (a record with no ops) and a new snapshot at that seq, so the next warm load agrees with
  // memory while no file is deleted or rewritten (the next compaction prunes).
  await running?.catch(() => undefined);
  // A close that timed out meanwhile gave up on this reload: it writes and publishes nothing.
  if (core.closed) throw closedError();
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
