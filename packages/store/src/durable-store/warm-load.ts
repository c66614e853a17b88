import { type FsPort, PersistenceError } from "@snapwrite/core";
import { type Journal, openJournal } from "@snapwrite/journal";
import type { StoreLoadReport, StoreRoot } from "../durable-store-types.js";
import { beginReplay } from "../replay-run.js";
import { ReplicaSeeding } from "../store-replica.js";
import { JournalPrefetch } from "./journal-prefetch.js";
import type { StoreCore } from "./store-core.js";
import { journalLockView } from "./store-lock.js";
import { WarmReplay } from "./warm-replay.js";

// The store forms its groups itself; the journal must write each one with a single writev.
const UNBOUNDED_GROUP = Number.MAX_SAFE_INTEGER;

export interface WarmLoaded<S> {
  readonly journal: Journal;
  readonly root: StoreRoot<S>;
  readonly report: StoreLoadReport;
}

/**
 * Loads the newest good snapshot, opens the journal after it and replays its records (sliced, so
 * the event loop keeps running); with a `lock`, the caller holds it already. Sets the core's
 * snapshot counters; the caller swaps the journal and root in.
 */
export async function warmLoad<S, Op>(core: StoreCore<S, Op>): Promise<WarmLoaded<S>> {
  const started = core.clock.now();
  // The journal's segments are read while the snapshot loads (see JournalPrefetch).
  const prefetch = new JournalPrefetch(
    core.fs,
    core.options.dir,
    core.name,
    core.snapshots.list().then((seqs) => seqs[0] ?? 0),
    core.policy.maxSegmentBytes,
  );
  try {
    return await load(core, prefetch.fs, started);
  } finally {
    prefetch.discard();
  }
}

async function load<S, Op>(
  core: StoreCore<S, Op>,
  fs: FsPort,
  started: number,
): Promise<WarmLoaded<S>> {
  const { clock, options, policy } = core;
  core.quarantinedSnapshots.length = 0;
  const loaded = await core.snapshots.loadNewest(core.codec);
  // The snapshots that did not decode and were moved aside, also when none loaded.
  const movedAside = [...core.quarantinedSnapshots];
  const snapshotDone = clock.now();
  const run = beginReplay(
    core.applyOps,
    options.replay,
    loaded === undefined ? options.empty() : loaded.value,
  );
  const snapshotSeq = loaded?.seq ?? 0;
  const replay = new WarmReplay(core, run, new ReplicaSeeding(core.replica));
  const journal = await openJournal({
    dir: options.dir,
    name: core.name,
    fs,
    clock,
    durability: core.durability,
    recovery: options.recovery,
    maxRecordBytes: policy.maxRecordBytes,
    maxSegmentBytes: policy.maxSegmentBytes,
    preallocateBytes: policy.preallocateBytes,
    group: { maxBytes: UNBOUNDED_GROUP, smallFirstBytes: UNBOUNDED_GROUP },
    // node's fs honours O_DSYNC: one write per group, which is also its sync. A given FsPort
    // (a test double, a remote fs) may not, so it gets a write and an fdatasync.
    syncWrites: options.fs === undefined,
    afterSeq: snapshotSeq,
    // The store holds `options.lock` itself, from before the snapshot was chosen (store-lock.ts);
    // the journal gets a view of it, so that it checks the lock before its own steps too (a roll,
    // preallocated zeros, segment removal) and never releases it.
    lock: journalLockView(core),
    onEvent: (event) => core.onJournalEvent(event),
    onRecord: replay.onRecord,
    // The records held back for a batch are applied before the journal repairs anything.
    onReplayEnd: () => replay.finish(),
  }).catch((error: unknown) => {
    throw withMovedAside(error, movedAside);
  });
  const value = run.finish();
  const seq = journal.state.lastSeq;
  if (seq < snapshotSeq) {
    await journal.close();
    throw new PersistenceError(
      "ERR_GAP",
      `the journal ends at seq ${seq}, before the snapshot's seq ${snapshotSeq}`,
      { stage: "open", details: { seq, snapshotSeq } },
    );
  }
  replay.seeding.finish(loaded && core.snapshots.targetOf(snapshotSeq), snapshotSeq, seq);
  const done = clock.now();
  core.snapshotSeq = snapshotSeq;
  core.snapshotBytes = loaded?.bytes ?? 0;
  core.bytesSinceSnapshot = replay.bytes;
  core.oldestUnsnapshottedAt = seq > snapshotSeq ? done : undefined;
  core.nextAutoCompactSeq = 0;
  const replayed = journal.recovery.replayed;
  const quarantined = [...movedAside, ...journal.recovery.quarantined];
  const report: StoreLoadReport = Object.freeze({
    source: loaded !== undefined ? loaded.source : replayed > 0 ? "journal" : "empty",
    snapshotSeq,
    replayed,
    seq,
    tail: journal.recovery.tail,
    quarantined: Object.freeze(quarantined),
    removedEmpty: Object.freeze([...journal.recovery.removedEmpty]),
    timings: Object.freeze({
      snapshotMs: snapshotDone - started,
      replayMs: done - snapshotDone,
      totalMs: done - started,
    }),
  });
  return { journal, root: Object.freeze({ value, seq }), report };
}

/**
 * The journal's open error, its message naming the snapshots moved aside before it (without them
 * the journal must hold every record from seq 1, which a compaction may have pruned).
 */
function withMovedAside(error: unknown, movedAside: readonly string[]): unknown {
  if (movedAside.length === 0 || !(error instanceof PersistenceError)) return error;
  return new PersistenceError(
    error.code,
    `${error.message} (the snapshot that did not decode was moved aside to ${movedAside.join(", ")}, so the journal was read from its start)`,
    {
      stage: error.stage,
      target: error.target,
      cause: error.cause,
      details: { ...error.details, quarantined: movedAside },
    },
  );
}
