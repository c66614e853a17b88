import { toPersistenceError } from "@snapwrite/core";
import { compactionDue, compactJournal } from "@snapwrite/journal";
import type { StoreCompactReport } from "../durable-store-types.js";
import { snapshotSource } from "../store-replica.js";
import { closedError } from "./entries.js";
import type { StoreCore } from "./store-core.js";
import { storeLockRefusal } from "./store-lock.js";

/** Starts a compaction, or joins the one running. */
export function compact<S, Op>(
  core: StoreCore<S, Op>,
  reason: string,
): Promise<StoreCompactReport> {
  if (core.closed || core.closing !== undefined) return Promise.reject(closedError());
  if (core.compacting !== undefined) return core.compacting;
  const work = compactNow(core, reason);
  core.compacting = work;
  void work
    .catch(() => undefined)
    .finally(() => {
      if (core.compacting === work) core.compacting = undefined;
    });
  return work;
}

/** Writes a snapshot of the committed root and prunes the journal and snapshots before it. */
async function compactNow<S, Op>(
  core: StoreCore<S, Op>,
  reason: string,
): Promise<StoreCompactReport> {
  await core.reloading?.catch(() => undefined);
  if (core.readOnlyError !== undefined) throw core.readOnlyError;
  // A snapshot and the segments it prunes are not ours to write once another holds the lock, nor
  // once a close timed out: the lock is released then, with this compaction maybe still running.
  const lockChecked = async (): Promise<void> => {
    if (core.closed || core.fence.raised) throw closedError();
    const refused = await storeLockRefusal(core, "compaction");
    if (refused !== undefined) throw refused;
  };
  await lockChecked();
  const root = core.committed;
  const bytesAtStart = core.bytesSinceSnapshot;
  try {
    const source = snapshotSource(core.replica, core.snapshots, core.codec, root);
    const report = await compactJournal({
      journal: core.journal,
      snapshots: source.snapshots,
      seq: root.seq,
      chunks: source.chunks,
      keep: core.policy.keep,
      // Aborted by a close that timed out (at the latest when it returns): the sink checks it
      // right before it renames the snapshot in.
      signal: core.closedSignal.signal,
      // And again before each step that changes files: a freeze during a compaction must not let
      // it roll, write or prune in a journal another process took over.
      beforeStep: lockChecked,
    }).finally(() => source.release());
    core.snapshotSeq = root.seq;
    core.snapshotBytes = report.bytes;
    core.bytesSinceSnapshot = Math.max(0, core.bytesSinceSnapshot - bytesAtStart);
    core.oldestUnsnapshottedAt = core.committed.seq > root.seq ? core.clock.now() : undefined;
    core.counters.compactions++;
    core.lastCompactionError = undefined;
    const result: StoreCompactReport = Object.freeze({
      seq: root.seq,
      snapshot: report.snapshot,
      bytes: report.bytes,
      durable: report.durable,
      removedSegments: report.removedSegments,
      removedSnapshots: report.removedSnapshots,
    });
    core.emit({
      type: "compacted",
      reason,
      seq: root.seq,
      removedSegments: report.removedSegments,
    });
    return result;
  } catch (error) {
    const e = toPersistenceError(error, { stage: "write" });
    core.lastCompactionError = e;
    core.lastError = e;
    // Automatic compaction waits until the journal has grown as much again.
    core.nextAutoCompactSeq = root.seq + Math.max(1, root.seq - core.snapshotSeq);
    throw e;
  }
}

/** Starts a compaction in the background when the policy says one is due. */
export function maybeAutoCompact<S, Op>(core: StoreCore<S, Op>): void {
  const policy = core.compaction;
  if (policy === false || core.compacting !== undefined || core.readOnlyError !== undefined) return;
  if (core.closing !== undefined || core.committed.seq < core.nextAutoCompactSeq) return;
  const due = compactionDue(policy, {
    journalBytes: core.bytesSinceSnapshot,
    snapshotBytes: core.snapshotBytes,
    records: core.committed.seq - core.snapshotSeq,
    oldestRecordAt: core.oldestUnsnapshottedAt,
    now: core.clock.now(),
  });
  if (due !== undefined) void compact(core, `auto:${due}`).catch(() => undefined);
}
