import * as nodeFs from "node:fs/promises";
import type { Clock, FsPort, Sink } from "@snapwrite/core";
import { PersistenceError } from "@snapwrite/core";
import {
  createJournalFollower,
  createSnapshotStore,
  type JournalFollower,
  type JournalRecord,
  type SnapshotStore,
} from "@snapwrite/journal";
import { createFsSink } from "@snapwrite/sink-fs";
import { describe } from "../durable-store/entries.js";
import type { StoreLoadReport, StoreRoot } from "../durable-store-types.js";
import { beginReplay } from "../replay-run.js";
import { perfNow, yieldToLoop } from "../replay-slicing.js";
import { storeNameOf } from "../store-name.js";
import type { OpenFollowerStoreOptions } from "./follower-store-types.js";
import type { FollowerPolicy } from "./options.js";

const nodeFsPort = nodeFs as unknown as FsPort;
/** Attempts of one load when a compaction keeps moving the journal away under it. */
const LOAD_ATTEMPTS = 5;

export interface Loaded<S> {
  readonly root: StoreRoot<S>;
  readonly follower: JournalFollower;
  readonly snapshotSeq: number;
  readonly report: StoreLoadReport;
}

/** Loads a follower's state from the writer's files without changing any of them. */
export class FollowerLoader<S, Op> {
  readonly clock: Clock;
  private readonly fs: FsPort;
  private readonly name: string;
  private readonly snapshots: SnapshotStore;
  private readonly sink: Sink;

  constructor(
    private readonly options: OpenFollowerStoreOptions<S, Op>,
    private readonly policy: FollowerPolicy,
    clock: Clock,
  ) {
    this.clock = clock;
    this.fs = options.fs ?? nodeFsPort;
    this.name = storeNameOf(options.name, "openFollowerStore");
    const sink = createFsSink({ dir: options.dir, fs: options.fs });
    // Without `quarantine`, an unusable snapshot is skipped but never moved aside.
    this.sink = Object.create(sink, { quarantine: { value: undefined } }) as Sink;
    this.snapshots = createSnapshotStore({
      sink: this.sink,
      name: this.name,
      dir: options.dir,
      fs: this.fs,
    });
  }

  /** Newest usable snapshot + the journal records after it; retried when a compaction races it. */
  async load(): Promise<Loaded<S>> {
    let lastReset = "gap";
    for (let attempt = 0; attempt < LOAD_ATTEMPTS; attempt++) {
      const started = this.clock.now();
      const snapshot = await this.snapshots.loadNewest(this.options.codec);
      const snapshotDone = this.clock.now();
      const snapshotSeq = snapshot?.seq ?? 0;
      const follower = createJournalFollower({
        dir: this.options.dir,
        name: this.name,
        fs: this.fs,
        afterSeq: snapshotSeq,
        maxRecordBytes: this.policy.maxRecordBytes,
      });
      const found = await follower.poll().catch((error: unknown) => {
        throw behindSnapshot(error, snapshotSeq);
      });
      if (found.reset !== undefined) {
        lastReset = found.reset;
        continue;
      }
      const base = snapshot === undefined ? this.options.empty() : snapshot.value;
      const value = await this.applyRecords(base, found.records);
      const done = this.clock.now();
      const report: StoreLoadReport = Object.freeze({
        source:
          snapshot !== undefined ? snapshot.source : found.records.length > 0 ? "journal" : "empty",
        snapshotSeq,
        replayed: found.records.length,
        seq: found.seq,
        tail: null,
        quarantined: Object.freeze([]),
        removedEmpty: Object.freeze([]),
        timings: Object.freeze({
          snapshotMs: snapshotDone - started,
          replayMs: done - snapshotDone,
          totalMs: done - started,
        }),
      });
      return {
        root: Object.freeze({ value, seq: found.seq }),
        follower,
        snapshotSeq,
        report,
      };
    }
    throw new PersistenceError(
      "ERR_GAP",
      `openFollowerStore: the journal kept moving past the newest snapshot (${lastReset}) in ${LOAD_ATTEMPTS} attempts`,
      { stage: "open", details: { reason: lastReset } },
    );
  }

  /** Applies `records` to `base`, yielding to the event loop every `replaySliceMs`. */
  async applyRecords(base: S, records: readonly JournalRecord[]): Promise<S> {
    const run = beginReplay(this.options.apply, this.options.replay, base);
    let sliceStart = perfNow();
    for (const record of records) {
      try {
        run.apply(this.options.ops.decode(record.payload));
      } catch (error) {
        throw new PersistenceError(
          "ERR_CORRUPT",
          `journal record ${record.seq} does not apply: ${describe(error)}`,
          { stage: "open", cause: error, details: { seq: record.seq, reason: "record" } },
        );
      }
      if (perfNow() - sliceStart >= this.policy.replaySliceMs) {
        await yieldToLoop();
        sliceStart = perfNow();
      }
    }
    return run.finish();
  }
}

/**
 * The journal follower's `ERR_GAP` for a journal that ends before the snapshot, worded and detailed
 * as a writer's open refuses the same files.
 */
function behindSnapshot(error: unknown, snapshotSeq: number): unknown {
  const details = (error as PersistenceError).details;
  if (
    !(error instanceof PersistenceError) ||
    error.code !== "ERR_GAP" ||
    details?.afterSeq === undefined
  ) {
    return error;
  }
  const seq = Number(details.seq);
  return new PersistenceError(
    "ERR_GAP",
    `the journal ends at seq ${seq}, before the snapshot's seq ${snapshotSeq}`,
    { stage: "open", cause: error, details: { seq, snapshotSeq } },
  );
}
