import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { notifyCommitted } from "../store-replica.js";
import { maybeAutoCompact } from "./compaction.js";
import { failed, type OutboxItem, RECORD_OVERHEAD } from "./entries.js";
import { type ExternalChange, type GroupBuilder, startGroup, takeCommands } from "./form-group.js";
import type { StoreCore } from "./store-core.js";
import { storeLockLostDuringWrite, storeLockRefusal } from "./store-lock.js";
import { scheduleFlush } from "./write-behind.js";

/** How the group's journal append ended. */
type Appended =
  | { readonly ok: true; readonly firstSeq: number; readonly durable: boolean }
  | { readonly ok: false; readonly reason: unknown };

/**
 * Appends the group's records with one journal group append: all are written, or none; none when
 * the store's lock is no longer ours. A lock found lost right after the append was lost during it
 * (see `storeLockLostDuringWrite`): the group then fails with `committed: "unknown"`.
 */
async function appendAll<S, Op>(
  core: StoreCore<S, Op>,
  records: readonly Uint8Array[],
): Promise<Appended> {
  const refused = await storeLockRefusal(core);
  if (refused !== undefined) return { ok: false, reason: refused };
  const appended: Appended = await core.journal.appendGroup(records).then(
    (r) => ({ ok: true, firstSeq: r.firstSeq, durable: r.durable }),
    (reason: unknown) => ({ ok: false, reason }),
  );
  if (!appended.ok || core.heldLock?.assertHeld === undefined) return appended;
  const lost = await storeLockLostDuringWrite(core);
  return lost === undefined ? appended : { ok: false, reason: lost };
}

interface Timings {
  readonly writeMs: number;
  readonly syncMs: number;
}

/** How a group's append ended: the records written (all or none), and the failure. */
interface Outcome {
  readonly ok: number;
  readonly durable: boolean;
  readonly failure: PersistenceError | undefined;
  readonly committed: false | "unknown";
}

/**
 * Forms one group (the unsaved write-behind batches, then queued commands run on the head state,
 * or a prepared external change on its own), appends it with one journal group commit, and only
 * then publishes the new root. Resolves with the number of entries the lane holds once its callers
 * committed again — the entries that arrived while it was written plus its commands — when they
 * are likely to right away (it settled several, or others waited), else 0.
 */
export async function runGroup<S, Op>(
  core: StoreCore<S, Op>,
  external: ExternalChange<S> | undefined,
): Promise<number> {
  const groupStart = core.clock.now();
  const group = startGroup(core);
  let formed = groupStart;
  if (external !== undefined) group.addExternal(external);
  else formed = takeCommands(core, group, groupStart);
  const commands = group.members.length + group.rejected;
  const several = commands > 1;
  if (group.records.length === 0) {
    for (const m of group.members) m.settle(core.emptyResult(m, groupStart));
    group.settleInOrder();
    return several ? core.lane.queued + commands : 0;
  }
  const firstSeq = core.committed.seq + 1;
  const syncBefore = core.meter.total;
  const writeStart = external !== undefined ? core.clock.now() : formed;
  core.inFlightRecords = group.records.length;
  const appended = await appendAll(core, group.records);
  core.inFlightRecords = 0;
  const appendMs = core.clock.now() - writeStart;
  const waited = core.lane.queued;
  const syncMs = Math.min(appendMs, core.meter.total - syncBefore);
  const timings = { writeMs: appendMs - syncMs, syncMs };
  const outcome = checkAppend(core, appended, firstSeq, group.records.length);
  if (outcome.ok > 0) {
    settleWritten(core, group, outcome, firstSeq, groupStart, timings);
  }
  if (outcome.failure !== undefined || outcome.ok < group.records.length) {
    settleFailed(core, group, outcome);
  } else {
    core.flushFailures = 0;
    core.firstUnsavedAt = core.outbox.length > 0 ? core.clock.now() : undefined;
  }
  group.settleInOrder();
  maybeAutoCompact(core);
  return several || waited > 0 ? waited + commands : 0;
}

function checkAppend<S, Op>(
  core: StoreCore<S, Op>,
  appended: Appended,
  firstSeq: number,
  records: number,
): Outcome {
  if (!appended.ok) {
    const failure = toPersistenceError(appended.reason, { stage: "write" });
    const committed = failure.details?.committed === "unknown" ? "unknown" : false;
    return { ok: 0, durable: false, failure, committed };
  }
  if (appended.firstSeq !== firstSeq) {
    // Cannot happen with the store as the journal's only writer; if it did, memory and disk
    // could disagree.
    const cause = new PersistenceError("ERR_GAP", "journal seqs do not follow the store's", {
      details: { expected: firstSeq },
    });
    core.enterReadOnly(cause);
    return { ok: 0, durable: false, failure: cause, committed: "unknown" };
  }
  return { ok: records, durable: appended.durable, failure: undefined, committed: false };
}

/** Publishes the first `ok` records' root and settles the changes they hold. */
function settleWritten<S, Op>(
  core: StoreCore<S, Op>,
  group: GroupBuilder<S, Op>,
  { ok, durable }: Outcome,
  firstSeq: number,
  groupStart: number,
  timings: Timings,
): void {
  const { outbox, members, records } = group;
  const lastSeq = firstSeq + ok - 1;
  core.committed = Object.freeze({ value: group.heads[ok - 1] as S, seq: lastSeq });
  notifyCommitted(core.replica, firstSeq, lastSeq, records.slice(0, ok));
  core.publishVisible();
  let okBytes = 0;
  for (let i = 0; i < ok; i++) okBytes += (records[i] as Uint8Array).byteLength + RECORD_OVERHEAD;
  core.bytesSinceSnapshot += okBytes;
  core.oldestUnsnapshottedAt ??= core.clock.now();
  core.counters.groups++;
  const summary = Object.freeze({
    commands: members.length + Math.min(ok, outbox.length),
    bytes: okBytes,
  });
  const success = (seq: number, at: number, commandMs: number) =>
    core.success(seq, durable, at, groupStart, commandMs, summary, timings);
  for (let i = 0; i < Math.min(ok, outbox.length); i++) {
    const item = outbox[i] as OutboxItem<S, Op>;
    item.settle(success(firstSeq + i, item.at, 0));
  }
  for (const m of members) {
    if (m.record >= 0 && m.record < ok) {
      core.counters.commits++;
      m.settle(success(firstSeq + m.record, m.at, m.commandMs));
    } else if (m.record < 0 && m.before <= ok) {
      m.settle(success(firstSeq + m.before - 1, m.at, m.commandMs));
    }
  }
  core.emit({
    type: "committed",
    fromSeq: firstSeq,
    toSeq: lastSeq,
    commands: summary.commands,
    bytes: okBytes,
  });
}

/** Fails the commands after the written records; write-behind batches stay unsaved. */
function settleFailed<S, Op>(
  core: StoreCore<S, Op>,
  group: GroupBuilder<S, Op>,
  { ok, failure, committed }: Outcome,
): void {
  const error =
    failure ?? new PersistenceError("ERR_IO", "the group was not written", { stage: "write" });
  core.lastError = error;
  if (committed === "unknown") core.enterReadOnly(error);
  for (const m of group.members) {
    const inFailed = m.record >= ok || (m.record < 0 && m.before > ok);
    if (!inFailed) continue;
    core.counters.failedCommits++;
    m.settle(failed(error, committed));
  }
  // Write-behind batches stay visible and unsaved; they are written with the next flush.
  const unsaved = group.outbox.slice(ok);
  if (unsaved.length > 0) {
    core.outbox = [...unsaved, ...core.outbox];
    core.visibleBase = undefined;
    core.counters.writeBehindFailures++;
    core.flushFailures++;
    core.emit({ type: "write-behind-failed", error, pending: core.outbox.length });
    if (committed === "unknown") core.failOutbox(error, "unknown");
    else scheduleFlush(core, true);
  }
}
