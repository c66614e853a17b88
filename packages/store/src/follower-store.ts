import * as nodeFs from "node:fs/promises";
import type { Clock, FsPort, Sink } from "@snapwrite/core";
import { PersistenceError, resolvePolicy, systemClock, toPersistenceError } from "@snapwrite/core";
import {
  createJournalFollower,
  createSnapshotStore,
  type JournalFollower,
  type JournalRecord,
  type SnapshotStore,
} from "@snapwrite/journal";
import { createFsSink } from "@snapwrite/sink-fs";
import type {
  CommitFailed,
  CommitTicket,
  DurableStore,
  DurableStoreHealth,
  DurableStoreState,
  MutateTicket,
  StoreCloseReport,
  StoreCompactReport,
  StoreEvent,
  StoreFilesOptions,
  StoreLoadReport,
  StoreRoot,
} from "./durable-store-types.js";
import { checkStoreFilesOptions } from "./durable-store-types.js";

const nodeFsPort = nodeFs as unknown as FsPort;
const RECORD_OVERHEAD = 20;
/** Attempts of one load when a compaction keeps moving the journal away under it. */
const LOAD_ATTEMPTS = 5;

/** Options of {@link openFollowerStore}. */
/**
 * Options of {@link openFollowerStore}: the writer's `dir`, `name`, `codec`, `ops`, `apply` and
 * `empty` (nothing in `dir` is created, moved or changed), plus the refresh interval.
 */
export interface OpenFollowerStoreOptions<S, Op> extends StoreFilesOptions<S, Op> {
  /** How often the journal is polled for new records. `intervalMs` ≥ 10, integer. */
  readonly refresh: { readonly intervalMs: number };
  /** Timers and timings. Default: real time. The refresh timer is unref'd when its handle can be. */
  readonly clock?: Clock | undefined;
  /** Largest op batch (encoded) the writer may have written. Default 16 MiB. */
  readonly maxRecordBytes?: number | undefined;
  /** Loading yields to the event loop after running this long. Default 8 ms. */
  readonly replaySliceMs?: number | undefined;
}

/** A read-only store that follows another process's writer; every write refuses with `ERR_READ_ONLY`. */
export type FollowerStore<S, Op> = DurableStore<S, Op>;

/** What {@link openFollowerStore} resolves with. */
export interface OpenedFollowerStore<S, Op> {
  readonly store: FollowerStore<S, Op>;
  readonly load: StoreLoadReport;
}

function perfNow(): number {
  return globalThis.performance.now();
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function failed(error: PersistenceError): CommitFailed {
  return Object.freeze({ ok: false, error, committed: false });
}

/**
 * Opens a read-only copy of a store that another process writes with {@link openDurableStore}:
 * loads the newest snapshot and the journal after it, then every `refresh.intervalMs` applies
 * the records appended since and publishes the new root. When the records it needs were compacted
 * away (a newer snapshot skipped past it) it reloads from that snapshot (`health().reloads`).
 * It never creates, moves, rewrites or deletes a file, takes no lock, and `commit`, `mutate`,
 * `commitExternal` and `compact` refuse with `ERR_READ_ONLY`.
 */
export async function openFollowerStore<S, Op>(
  options: OpenFollowerStoreOptions<S, Op>,
): Promise<OpenedFollowerStore<S, Op>> {
  checkStoreFilesOptions(options, "openFollowerStore");
  if (typeof options.refresh !== "object" || options.refresh === null) {
    throw new TypeError("openFollowerStore: refresh { intervalMs } is required");
  }
  const { values } = resolvePolicy(
    {
      intervalMs: { default: options.refresh.intervalMs, min: 10, integer: true },
      maxRecordBytes: {
        default: options.maxRecordBytes ?? 16 * 1024 * 1024,
        min: 1,
        max: 2 ** 31,
        integer: true,
      },
      replaySliceMs: { default: options.replaySliceMs ?? 8, min: 1, integer: true },
    },
    { env: {} },
  );
  const store = new Follower<S, Op>(options, values);
  const load = await store.open();
  return { store, load };
}

interface Loaded<S> {
  readonly root: StoreRoot<S>;
  readonly follower: JournalFollower;
  readonly snapshotSeq: number;
  readonly report: StoreLoadReport;
}

class Follower<S, Op> implements DurableStore<S, Op> {
  private readonly clock: Clock;
  private readonly fs: FsPort;
  private readonly name: string;
  private readonly snapshots: SnapshotStore;
  private readonly readOnlyError = new PersistenceError(
    "ERR_READ_ONLY",
    "a follower store is read-only: write through the store that owns the journal",
  );
  private root!: StoreRoot<S>;
  private follower!: JournalFollower;
  private snapshotSeq = 0;
  private lane: Promise<unknown> = Promise.resolve();
  private timer: unknown;
  private closed = false;
  private closing: Promise<StoreCloseReport> | undefined;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private counters = { refreshes: 0, reloads: 0 };
  private lastReloadReason: string | undefined;
  private lastError: PersistenceError | undefined;

  constructor(
    private readonly options: OpenFollowerStoreOptions<S, Op>,
    private readonly policy: {
      readonly intervalMs: number;
      readonly maxRecordBytes: number;
      readonly replaySliceMs: number;
    },
  ) {
    this.clock = options.clock ?? systemClock;
    this.fs = options.fs ?? nodeFsPort;
    this.name = options.name ?? "store";
    if (!/^[A-Za-z0-9._-]+$/.test(this.name)) {
      throw new TypeError("openFollowerStore: name must be a plain file name");
    }
    const sink = createFsSink({ dir: options.dir, fs: options.fs });
    // Without `quarantine`, an unusable snapshot is skipped but never moved aside.
    const readOnlySink = Object.create(sink, { quarantine: { value: undefined } }) as Sink;
    this.snapshots = createSnapshotStore({
      sink: readOnlySink,
      name: this.name,
      dir: options.dir,
      fs: this.fs,
    });
  }

  async open(): Promise<StoreLoadReport> {
    const loaded = await this.load();
    this.install(loaded);
    this.schedule();
    return loaded.report;
  }

  private install(loaded: Loaded<S>): void {
    this.root = loaded.root;
    this.follower = loaded.follower;
    this.snapshotSeq = loaded.snapshotSeq;
  }

  /** Newest usable snapshot + the journal records after it; retried when a compaction races it. */
  private async load(): Promise<Loaded<S>> {
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
      const found = await follower.poll();
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

  private async applyRecords(base: S, records: readonly JournalRecord[]): Promise<S> {
    let value = base;
    let sliceStart = perfNow();
    for (const record of records) {
      try {
        value = this.options.apply(value, this.options.ops.decode(record.payload));
      } catch (error) {
        throw new PersistenceError(
          "ERR_CORRUPT",
          `journal record ${record.seq} does not apply: ${describe(error)}`,
          { cause: error, details: { seq: record.seq, reason: "record" } },
        );
      }
      if (perfNow() - sliceStart >= this.policy.replaySliceMs) {
        await yieldToLoop();
        sliceStart = perfNow();
      }
    }
    return value;
  }

  // ---- refresh ---------------------------------------------------------------------------------

  private schedule(): void {
    if (this.closed || this.closing !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.inLane(() => this.tick()).finally(() => this.schedule());
    }, this.policy.intervalMs);
    (this.timer as { unref?: () => void } | undefined)?.unref?.();
  }

  private inLane<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lane.then(work, work);
    this.lane = run.catch(() => undefined);
    return run;
  }

  /** One refresh: the records since the last one, or a reload when following cannot go on. */
  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      const found = await this.follower.poll();
      if (found.reset !== undefined) {
        await this.reloadNow(`refresh: ${found.reset}`);
        return;
      }
      if (found.records.length === 0) return;
      let value: S;
      try {
        value = await this.applyRecords(this.root.value, found.records);
      } catch (error) {
        // The follower is past these records now; only a reload can get back in step.
        this.lastError = toPersistenceError(error, { stage: "open", direction: "read" });
        await this.reloadNow("refresh: record does not apply");
        return;
      }
      const fromSeq = this.root.seq + 1;
      this.root = Object.freeze({ value, seq: found.seq });
      this.counters.refreshes++;
      this.emit({
        type: "committed",
        fromSeq,
        toSeq: found.seq,
        commands: found.records.length,
        bytes: found.records.reduce((n, r) => n + r.payload.byteLength + RECORD_OVERHEAD, 0),
      });
    } catch (error) {
      // Kept in health; the published root stays and the next tick tries again.
      this.lastError = toPersistenceError(error, { stage: "open", direction: "read" });
    }
  }

  private async reloadNow(reason: string): Promise<StoreLoadReport> {
    this.counters.reloads++;
    this.lastReloadReason = reason;
    let loaded: Loaded<S>;
    try {
      loaded = await this.load();
    } catch (error) {
      const e = toPersistenceError(error, { stage: "open", direction: "read" });
      this.lastError = e;
      throw e;
    }
    this.install(loaded);
    this.emit({ type: "reloaded", reason, seq: loaded.root.seq });
    return loaded.report;
  }

  // ---- the DurableStore surface ----------------------------------------------------------------

  read(): StoreRoot<S> {
    return this.root;
  }

  private refusal(): PersistenceError {
    if (this.closed || this.closing !== undefined) {
      return new PersistenceError("ERR_CLOSED", "the store is closed", { stage: "close" });
    }
    return this.readOnlyError;
  }

  commit(): CommitTicket {
    return { settled: Promise.resolve(failed(this.refusal())) };
  }

  mutate(): MutateTicket {
    return { seq: undefined, settled: Promise.resolve(failed(this.refusal())) };
  }

  commitExternal(): CommitTicket {
    return { settled: Promise.resolve(failed(this.refusal())) };
  }

  compact(): Promise<StoreCompactReport> {
    return Promise.reject(this.refusal());
  }

  reload(reason: string): Promise<StoreLoadReport> {
    if (this.closed || this.closing !== undefined) return Promise.reject(this.refusal());
    return this.inLane(() => this.reloadNow(String(reason)));
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    if (typeof listener !== "function") throw new TypeError("subscribe needs a function");
    const entry = (event: StoreEvent) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  private emit(event: StoreEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's exception must not break the store.
      }
    }
  }

  private mode(): DurableStoreState["mode"] {
    return this.closed ? "closed" : "read-only";
  }

  get state(): DurableStoreState {
    const seq = this.root.seq;
    return Object.freeze({
      committedSeq: seq,
      durableSeq: seq,
      visibleSeq: seq,
      snapshotSeq: this.snapshotSeq,
      unsaved: 0,
      queued: 0,
      mode: this.mode(),
    });
  }

  health(): DurableStoreHealth {
    return Object.freeze({
      mode: this.mode(),
      commits: 0,
      failedCommits: 0,
      commandErrors: 0,
      groups: this.counters.refreshes,
      reloads: this.counters.reloads,
      lastReloadReason: this.lastReloadReason,
      compactions: 0,
      lastCompactionError: undefined,
      writeBehindFailures: 0,
      unsaved: 0,
      lastError: this.lastError,
      readOnlyError: this.readOnlyError,
    });
  }

  /** Stops the refresh timer and waits for a refresh in flight. Never rejects. */
  close(): Promise<StoreCloseReport> {
    this.closing ??= (async () => {
      const started = this.clock.now();
      if (this.timer !== undefined) {
        this.clock.clearTimeout(this.timer);
        this.timer = undefined;
      }
      await this.lane;
      this.closed = true;
      const seq = this.root.seq;
      return Object.freeze({
        ok: true,
        outcome: "clean" as const,
        durationMs: this.clock.now() - started,
        committedSeq: seq,
        durableSeq: seq,
        unsaved: 0,
        abandoned: 0,
      });
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
