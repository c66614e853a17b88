import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { notifyCommitted } from "../store-replica.js";
import { maybeAutoCompact } from "./compaction.js";
import { failed, type OutboxItem, RECORD_OVERHEAD } from "./entries.js";
import { type ExternalChange, type GroupBuilder, startGroup, takeCommands } from "./form-group.js";
import type { StoreCore } from "./store-core.js";
import { scheduleFlush } from "./write-behind.js";

type Appended = PromiseSettledResult<{ seq: number; durable: boolean }>;

interface Timings {
  readonly writeMs: number;
  readonly syncMs: number;
}

/** How a group's appends ended: the records written in order, and the failure after them. */
interface Outcome {
  readonly ok: number;
  readonly failure: PersistenceError | undefined;
  readonly committed: false | "unknown";
}

/**
 * Forms one group (the unsaved write-behind batches, then queued commands run on the head state,
 * or a prepared external change on its own), appends it with one journal group commit, and only
 * then publishes the new root. Resolves with whether callers are likely to commit again right
 * away: the group settled several commands, or commands arrived while it was being written.
 */
export async function runGroup<S, Op>(
  core: StoreCore<S, Op>,
  external: ExternalChange<S> | undefined,
): Promise<boolean> {
  const groupStart = core.clock.now();
  const group = startGroup(core);
  if (external !== undefined) group.addExternal(external);
  else takeCommands(core, group);
  const several = group.members.length + group.rejected.length > 1;
  if (group.records.length === 0) {
    for (const settle of group.rejected) settle();
    for (const m of group.members) m.settle(core.emptyResult(m, groupStart));
    return several;
  }
  const firstSeq = core.committed.seq + 1;
  const syncBefore = core.meter.total;
  const writeStart = core.clock.now();
  const results: Appended[] = await Promise.allSettled(
    group.records.map((payload) => core.journal.append(payload)),
  );
  const appendMs = core.clock.now() - writeStart;
  const othersWaited = core.lane.peek() !== undefined;
  for (const settle of group.rejected) settle();
  const syncMs = Math.min(appendMs, core.meter.total - syncBefore);
  const timings = { writeMs: appendMs - syncMs, syncMs };
  const outcome = checkAppends(core, results, firstSeq);
  if (outcome.ok > 0) {
    settleWritten(core, group, results, outcome.ok, firstSeq, groupStart, timings);
  }
  if (outcome.failure !== undefined || outcome.ok < group.records.length) {
    settleFailed(core, group, outcome);
  } else {
    core.flushFailures = 0;
    core.firstUnsavedAt = core.outbox.length > 0 ? core.clock.now() : undefined;
  }
  maybeAutoCompact(core);
  return several || othersWaited;
}

function checkAppends<S, Op>(
  core: StoreCore<S, Op>,
  results: readonly Appended[],
  firstSeq: number,
): Outcome {
  let ok = 0;
  while (ok < results.length && results[ok]?.status === "fulfilled") ok++;
  const laterSuccess = results.slice(ok).some((r) => r.status === "fulfilled");
  const seqsRight = results
    .slice(0, ok)
    .every((r, i) => r.status === "fulfilled" && r.value.seq === firstSeq + i);
  let failure: PersistenceError | undefined;
  let committed: false | "unknown" = false;
  if (ok < results.length) {
    const rejected = results[ok] as PromiseRejectedResult;
    failure = toPersistenceError(rejected.reason, { stage: "write" });
    if (failure.details?.committed === "unknown") committed = "unknown";
  }
  if (laterSuccess || !seqsRight) {
    // Cannot happen with one writev per group; if it did, memory and disk could disagree.
    const cause =
      failure ??
      new PersistenceError("ERR_GAP", "journal seqs do not follow the store's", {
        details: { expected: firstSeq },
      });
    core.enterReadOnly(cause);
    failure = cause;
    committed = "unknown";
    ok = seqsRight ? ok : 0;
  }
  return { ok, failure, committed };
}

/** Publishes the first `ok` records' root and settles the changes they hold. */
function settleWritten<S, Op>(
  core: StoreCore<S, Op>,
  group: GroupBuilder<S, Op>,
  results: readonly Appended[],
  ok: number,
  firstSeq: number,
  groupStart: number,
  timings: Timings,
): void {
  const { outbox, members, records } = group;
  const lastSeq = firstSeq + ok - 1;
  const last = results[ok - 1] as PromiseFulfilledResult<{ durable: boolean }>;
  const durable = last.value.durable;
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
    const item = outbox[i] as OutboxItem<Op>;
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
