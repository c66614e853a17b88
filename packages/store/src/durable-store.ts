import * as nodeFs from "node:fs/promises";
import type { Apply, Clock, Codec, FsPort, OpsCodec } from "@snapwrite/core";
import { PersistenceError, resolvePolicy, systemClock, toPersistenceError } from "@snapwrite/core";
import {
  type CompactionPolicy,
  compactionDue,
  compactJournal,
  createSnapshotStore,
  type Journal,
  type JournalDurability,
  type JournalEvent,
  openJournal,
  type SnapshotStore,
} from "@snapwrite/journal";
import { createFsSink } from "@snapwrite/sink-fs";
import type {
  CommitFailed,
  CommitResult,
  CommitSucceeded,
  CommitTicket,
  DurableStore,
  DurableStoreHealth,
  DurableStoreState,
  MutateTicket,
  OpenDurableStoreOptions,
  OpenedDurableStore,
  StoreCloseReport,
  StoreCommand,
  StoreCompactReport,
  StoreEvent,
  StoreLoadReport,
  StoreRoot,
} from "./durable-store-types.js";
import { checkStoreFilesOptions } from "./durable-store-types.js";
import {
  checkStoreReplica,
  notifyCommitted,
  ReplicaSeeding,
  type StoreReplica,
  seedReplica,
  snapshotSource,
} from "./store-replica.js";
import { type SyncMeter, timedFs } from "./timed-fs.js";

const nodeFsPort = nodeFs as unknown as FsPort;
const RECORD_OVERHEAD = 20;
// The store forms its groups itself; the journal must write each one with a single writev.
const UNBOUNDED_GROUP = Number.MAX_SAFE_INTEGER;

interface Policy {
  readonly maxBytes: number;
  readonly smallFirstBytes: number;
  readonly maxCommands: number;
  readonly debounceMs: number;
  readonly maxDelayMs: number;
  readonly maxRecordBytes: number;
  readonly maxSegmentBytes: number;
  readonly replaySliceMs: number;
  readonly keep: number;
}

type Settle = (result: CommitResult) => void;

interface CommitEntry<S, Op> {
  readonly kind: "commit";
  readonly reason: string;
  readonly command: StoreCommand<S, Op>;
  readonly at: number;
  readonly settle: Settle;
}

interface ExternalEntry<S, Op> {
  readonly kind: "external";
  readonly reason: string;
  readonly persist: () => Promise<void>;
  readonly ops: readonly Op[] | StoreCommand<S, Op>;
  readonly at: number;
  readonly settle: Settle;
}

type Entry<S, Op> =
  | CommitEntry<S, Op>
  | ExternalEntry<S, Op>
  | { readonly kind: "task"; readonly run: () => Promise<void> }
  | { readonly kind: "flush" };

interface OutboxItem<Op> {
  readonly reason: string;
  readonly ops: readonly Op[];
  readonly payload: Uint8Array;
  readonly at: number;
  readonly settle: Settle;
}

/** One change of a group: a command's record, a write-behind record, or a command with no ops. */
interface Member {
  readonly settle: Settle;
  readonly at: number;
  readonly commandMs: number;
  /** Index of its record in the group, or -1 for a command that produced no ops. */
  readonly record: number;
  /** For a command without ops: the number of the group's records before it. */
  readonly before: number;
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

function commandError(error: unknown): PersistenceError {
  return new PersistenceError("ERR_COMMAND", `command failed: ${describe(error)}`, {
    cause: error,
    details: error instanceof PersistenceError ? { code: error.code, ...error.details } : undefined,
  });
}

function failed(error: PersistenceError, committed: false | "unknown" = false): CommitFailed {
  return Object.freeze({ ok: false, error, committed });
}

function closedError(): PersistenceError {
  return new PersistenceError("ERR_CLOSED", "the store is closed", { stage: "close" });
}

function resolveStorePolicy<S, Op>(options: OpenDurableStoreOptions<S, Op>): Policy {
  const group = options.groupCommit ?? {};
  const behind = options.writeBehind ?? {};
  const compaction = options.compaction === false ? {} : (options.compaction ?? {});
  const int = (value: number | undefined, fallback: number, min: number, max?: number) => ({
    default: value ?? fallback,
    min,
    max,
    integer: true,
  });
  const { values } = resolvePolicy(
    {
      maxBytes: int(group.maxBytes, 1024 * 1024, 1),
      smallFirstBytes: int(group.smallFirstBytes, 128 * 1024, 0),
      maxCommands: int(group.maxCommands, 4096, 1),
      debounceMs: int(behind.debounceMs, 1000, 0),
      maxDelayMs: int(behind.maxDelayMs, 10_000, 0),
      maxRecordBytes: int(options.maxRecordBytes, 16 * 1024 * 1024, 1, 2 ** 31),
      maxSegmentBytes: int(options.maxSegmentBytes, 64 * 1024 * 1024, 64, 2 ** 32 - 1),
      replaySliceMs: int(options.replaySliceMs, 8, 1),
      keep: int(compaction.keep, 2, 1),
    },
    { env: {} },
  );
  if (values.maxDelayMs < values.debounceMs) {
    throw new RangeError("openDurableStore: writeBehind.maxDelayMs must be >= debounceMs");
  }
  return values;
}

/**
 * Opens a durable store in `dir`: loads the newest good snapshot (falling back to the previous one
 * when the newest does not decode), replays the journal records after it (sliced, so the event
 * loop keeps running), and resolves with the store and what the load found.
 */
export async function openDurableStore<S, Op>(
  options: OpenDurableStoreOptions<S, Op>,
): Promise<OpenedDurableStore<S, Op>> {
  checkStoreFilesOptions(options, "openDurableStore");
  const durability = options.durability ?? "commit";
  if (typeof durability === "object") {
    resolvePolicy(
      { intervalMs: { default: durability.intervalMs, min: 1, integer: true } },
      { env: {} },
    );
  } else if (durability !== "commit" && durability !== "os") {
    throw new TypeError('openDurableStore: durability must be "commit", "os" or { intervalMs }');
  }
  const policy = resolveStorePolicy(options);
  const store = new Store<S, Op>(options, policy, durability);
  const load = await store.open();
  return { store, load };
}

class Store<S, Op> implements DurableStore<S, Op> {
  private readonly clock: Clock;
  private readonly fs: FsPort;
  private readonly name: string;
  private readonly codec: Codec<S>;
  private readonly opsCodec: OpsCodec<Op>;
  private readonly applyOps: Apply<S, Op>;
  private readonly meter: SyncMeter = { total: 0 };
  private readonly snapshots: SnapshotStore;
  private readonly compaction: (CompactionPolicy & { keep?: number | undefined }) | false;
  private journal!: Journal;
  private committed!: StoreRoot<S>;
  private visible!: StoreRoot<S>;
  private queue: Entry<S, Op>[] = [];
  private head = 0;
  private running = false;
  private outbox: OutboxItem<Op>[] = [];
  private flushTimer: unknown;
  private firstUnsavedAt: number | undefined;
  private flushFailures = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readOnlyError: PersistenceError | undefined;
  private closed = false;
  private closing: Promise<StoreCloseReport> | undefined;
  private compacting: Promise<StoreCompactReport> | undefined;
  private reloading: Promise<unknown> | undefined;
  private snapshotSeq = 0;
  private snapshotBytes = 0;
  private bytesSinceSnapshot = 0;
  private oldestUnsnapshottedAt: number | undefined;
  private nextAutoCompactSeq = 0;
  private counters = {
    commits: 0,
    failedCommits: 0,
    commandErrors: 0,
    groups: 0,
    reloads: 0,
    compactions: 0,
    writeBehindFailures: 0,
  };
  private lastReloadReason: string | undefined;
  private lastCompactionError: PersistenceError | undefined;
  private lastError: PersistenceError | undefined;
  private readonly replica: StoreReplica | undefined;

  constructor(
    private readonly options: OpenDurableStoreOptions<S, Op>,
    private readonly policy: Policy,
    private readonly durability: JournalDurability,
  ) {
    this.clock = options.clock ?? systemClock;
    this.name = options.name ?? "store";
    if (!/^[A-Za-z0-9._-]+$/.test(this.name)) {
      throw new TypeError("openDurableStore: name must be a plain file name");
    }
    this.codec = options.codec;
    this.opsCodec = options.ops;
    this.applyOps = options.apply;
    this.compaction = options.compaction ?? {};
    this.replica = checkStoreReplica(options.replica);
    this.fs = timedFs(options.fs ?? nodeFsPort, this.meter, () => this.clock.now());
    const sink = createFsSink({ dir: options.dir, fs: options.fs });
    this.snapshots = createSnapshotStore({
      sink,
      name: this.name,
      dir: options.dir,
      fs: options.fs,
    });
  }

  // ---- opening and loading -------------------------------------------------------------------

  async open(): Promise<StoreLoadReport> {
    const { journal, root, report } = await this.warmLoad();
    this.journal = journal;
    this.committed = root;
    this.visible = root;
    return report;
  }

  private async warmLoad(): Promise<{
    journal: Journal;
    root: StoreRoot<S>;
    report: StoreLoadReport;
  }> {
    const started = this.clock.now();
    const loaded = await this.snapshots.loadNewest(this.codec);
    const snapshotDone = this.clock.now();
    let value = loaded === undefined ? this.options.empty() : loaded.value;
    const snapshotSeq = loaded?.seq ?? 0;
    let bytes = 0;
    let sliceStart = perfNow();
    const seeding = new ReplicaSeeding(this.replica);
    const journal = await openJournal({
      dir: this.options.dir,
      name: this.name,
      fs: this.fs,
      clock: this.clock,
      durability: this.durability,
      recovery: this.options.recovery,
      maxRecordBytes: this.policy.maxRecordBytes,
      maxSegmentBytes: this.policy.maxSegmentBytes,
      group: { maxBytes: UNBOUNDED_GROUP, smallFirstBytes: UNBOUNDED_GROUP },
      afterSeq: snapshotSeq,
      lock: this.options.lock,
      onEvent: (event) => this.onJournalEvent(event),
      onRecord: async (record) => {
        try {
          value = this.applyOps(value, this.opsCodec.decode(record.payload));
        } catch (error) {
          throw new PersistenceError(
            "ERR_CORRUPT",
            `journal record ${record.seq} does not apply: ${describe(error)}`,
            { cause: error, details: { seq: record.seq, reason: "record" } },
          );
        }
        seeding.add(record.payload);
        bytes += record.payload.byteLength + RECORD_OVERHEAD;
        if (perfNow() - sliceStart >= this.policy.replaySliceMs) {
          await yieldToLoop();
          sliceStart = perfNow();
        }
      },
    });
    const seq = journal.state.lastSeq;
    if (seq < snapshotSeq) {
      await journal.close();
      throw new PersistenceError(
        "ERR_GAP",
        `the journal ends at seq ${seq}, before the snapshot's seq ${snapshotSeq}`,
        { details: { seq, snapshotSeq } },
      );
    }
    seeding.finish(loaded && this.snapshots.targetOf(snapshotSeq), snapshotSeq, seq);
    const done = this.clock.now();
    this.snapshotSeq = snapshotSeq;
    this.snapshotBytes = loaded?.bytes ?? 0;
    this.bytesSinceSnapshot = bytes;
    this.oldestUnsnapshottedAt = seq > snapshotSeq ? done : undefined;
    this.nextAutoCompactSeq = 0;
    const replayed = journal.recovery.replayed;
    const quarantined = [
      ...(loaded?.skipped ?? []).flatMap((s) =>
        s.quarantinedTo === undefined ? [] : [s.quarantinedTo],
      ),
      ...journal.recovery.quarantined,
    ];
    const report: StoreLoadReport = Object.freeze({
      source: loaded !== undefined ? loaded.source : replayed > 0 ? "journal" : "empty",
      snapshotSeq,
      replayed,
      seq,
      tail: journal.recovery.tail,
      quarantined: Object.freeze(quarantined),
      timings: Object.freeze({
        snapshotMs: snapshotDone - started,
        replayMs: done - snapshotDone,
        totalMs: done - started,
      }),
    });
    return { journal, root: Object.freeze({ value, seq }), report };
  }

  private onJournalEvent(event: JournalEvent): void {
    if (event.type === "read-only") this.enterReadOnly(event.error);
  }

  private enterReadOnly(cause: PersistenceError): void {
    if (this.readOnlyError !== undefined) return;
    this.readOnlyError = new PersistenceError(
      "ERR_READ_ONLY",
      `the store is read-only after a failure whose outcome is unknown: ${cause.message}; reload or reopen it`,
      { cause, details: { code: cause.code } },
    );
    this.lastError = cause;
    this.emit({ type: "read-only", error: this.readOnlyError });
  }

  // ---- reading ---------------------------------------------------------------------------------

  read(): StoreRoot<S> {
    return this.visible;
  }

  get state(): DurableStoreState {
    const journalState = this.journal.state;
    return Object.freeze({
      committedSeq: this.committed.seq,
      durableSeq: Math.min(journalState.durableSeq, this.committed.seq),
      visibleSeq: this.visible.seq,
      snapshotSeq: this.snapshotSeq,
      unsaved: this.outbox.length,
      queued: this.queue.length - this.head,
      mode: this.mode(),
    });
  }

  private mode(): DurableStoreState["mode"] {
    if (this.closed) return "closed";
    if (this.readOnlyError !== undefined) return "read-only";
    return this.journal.state.mode === "degraded" ? "degraded" : "ok";
  }

  health(): DurableStoreHealth {
    return Object.freeze({
      mode: this.mode(),
      ...this.counters,
      lastReloadReason: this.lastReloadReason,
      lastCompactionError: this.lastCompactionError,
      unsaved: this.outbox.length,
      lastError: this.lastError,
      readOnlyError: this.readOnlyError,
    });
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

  // ---- the lane ----------------------------------------------------------------------------------

  private refusal(): PersistenceError | undefined {
    if (this.closing !== undefined || this.closed) return closedError();
    return this.readOnlyError;
  }

  private enqueue(entry: Entry<S, Op>): void {
    this.queue.push(entry);
    if (this.running) return;
    this.running = true;
    // A microtask later, so commands issued in one synchronous run share a group.
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    try {
      while (this.head < this.queue.length) {
        const entry = this.queue[this.head] as Entry<S, Op>;
        if (entry.kind === "task") {
          this.head++;
          await entry.run();
        } else if (entry.kind === "external") {
          this.head++;
          await this.runExternal(entry);
        } else {
          await this.runGroup(undefined);
        }
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
      }
    } finally {
      this.running = false;
      if (this.head < this.queue.length) {
        this.running = true;
        queueMicrotask(() => void this.pump());
      }
    }
  }

  private runInLane<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue({
        kind: "task",
        run: async () => {
          try {
            resolve(await work());
          } catch (error) {
            reject(error);
          }
        },
      });
    });
  }

  commit(reason: string, command: StoreCommand<S, Op>): CommitTicket {
    if (typeof command !== "function") throw new TypeError("commit needs a command function");
    const refused = this.refusal();
    if (refused !== undefined) return { settled: Promise.resolve(failed(refused)) };
    let settle!: Settle;
    const settled = new Promise<CommitResult>((resolve) => {
      settle = resolve;
    });
    this.enqueue({ kind: "commit", reason: String(reason), command, at: this.clock.now(), settle });
    return { settled };
  }

  /** Runs `command` on `state`: its ops, the next state and the encoded record, or ERR_COMMAND. */
  private prepare(
    state: S,
    command: () => readonly Op[],
  ): { ops: readonly Op[]; next: S; payload: Uint8Array } | { error: PersistenceError } {
    try {
      const ops = command();
      if (!Array.isArray(ops)) throw new TypeError("a command must return an array of ops");
      if (ops.length === 0) return { ops, next: state, payload: new Uint8Array(0) };
      const next = this.applyOps(state, ops);
      const payload = this.opsCodec.encode(ops);
      if (payload.byteLength > this.policy.maxRecordBytes) {
        throw new PersistenceError(
          "ERR_ENCODE",
          `the ops encode to ${payload.byteLength} bytes, more than maxRecordBytes ${this.policy.maxRecordBytes}`,
          { details: { bytes: payload.byteLength } },
        );
      }
      return { ops, next, payload };
    } catch (error) {
      return { error: commandError(error) };
    }
  }

  /**
   * Forms one group (the unsaved write-behind batches, then queued commands run on the head state,
   * plus an optional prepared external change first), appends it with one journal group commit,
   * and only then publishes the new root.
   */
  private async runGroup(
    external: { settle: Settle; at: number; payload: Uint8Array; next: S } | undefined,
  ): Promise<void> {
    const groupStart = this.clock.now();
    if (this.readOnlyError !== undefined && this.outbox.length > 0) {
      // Nothing can be journaled until a reload; the unsaved changes stay visible until then.
      this.failOutbox(this.readOnlyError, false);
    }
    let head = this.visible.value;
    const outbox = this.outbox;
    this.outbox = [];
    const records: Uint8Array[] = outbox.map((item) => item.payload);
    const heads: S[] = [];
    // The visible head already holds the write-behind batches; their intermediate states are
    // only needed for a partial failure, which the single-writev group rules out.
    for (let i = 0; i < outbox.length; i++) heads.push(head);
    const members: Member[] = [];
    const rejectedCommands: (() => void)[] = [];
    let bytes = records.reduce((sum, p) => sum + p.byteLength + RECORD_OVERHEAD, 0);
    let cap = Number.POSITIVE_INFINITY;
    const addRecord = (payload: Uint8Array, next: S) => {
      const size = payload.byteLength + RECORD_OVERHEAD;
      // The first command's record sets the cap (LevelDB's rule: a small first record does not
      // wait behind a big group).
      if (cap === Number.POSITIVE_INFINITY) {
        cap = Math.min(this.policy.maxBytes, size + this.policy.smallFirstBytes);
      }
      records.push(payload);
      heads.push(next);
      bytes += size;
      head = next;
      return records.length - 1;
    };
    if (external !== undefined) {
      const record = addRecord(external.payload, external.next);
      members.push({
        settle: external.settle,
        at: external.at,
        commandMs: 0,
        record,
        before: 0,
      });
    }
    while (this.head < this.queue.length && external === undefined) {
      const entry = this.queue[this.head] as Entry<S, Op>;
      if (entry.kind === "flush") {
        this.head++;
        continue;
      }
      if (entry.kind !== "commit") break;
      if (members.length >= this.policy.maxCommands) break;
      if (bytes >= cap) break;
      this.head++;
      if (this.readOnlyError !== undefined) {
        this.counters.failedCommits++;
        entry.settle(failed(this.readOnlyError));
        continue;
      }
      const started = this.clock.now();
      const state = head;
      const prepared = this.prepare(state, () => entry.command(state));
      const commandMs = this.clock.now() - started;
      if ("error" in prepared) {
        this.counters.commandErrors++;
        // Settled with the group, so results arrive in queue order.
        rejectedCommands.push(() => entry.settle(failed(prepared.error)));
        continue;
      }
      if (prepared.ops.length === 0) {
        members.push({
          settle: entry.settle,
          at: entry.at,
          commandMs,
          record: -1,
          before: records.length,
        });
        continue;
      }
      const record = addRecord(prepared.payload, prepared.next);
      members.push({ settle: entry.settle, at: entry.at, commandMs, record, before: 0 });
    }
    if (records.length === 0) {
      for (const settle of rejectedCommands) settle();
      for (const m of members) m.settle(this.emptyResult(m, groupStart));
      return;
    }
    const firstSeq = this.committed.seq + 1;
    const syncBefore = this.meter.total;
    const writeStart = this.clock.now();
    const results = await Promise.allSettled(
      records.map((payload) => this.journal.append(payload)),
    );
    const appendMs = this.clock.now() - writeStart;
    for (const settle of rejectedCommands) settle();
    const syncMs = Math.min(appendMs, this.meter.total - syncBefore);
    const timings = { writeMs: appendMs - syncMs, syncMs };
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
      this.enterReadOnly(cause);
      failure = cause;
      committed = "unknown";
      ok = seqsRight ? ok : 0;
    }
    if (ok > 0) {
      const lastSeq = firstSeq + ok - 1;
      const last = results[ok - 1] as PromiseFulfilledResult<{ durable: boolean }>;
      const durable = last.value.durable;
      this.committed = Object.freeze({ value: heads[ok - 1] as S, seq: lastSeq });
      notifyCommitted(this.replica, firstSeq, lastSeq, records.slice(0, ok));
      this.publishVisible();
      let okBytes = 0;
      for (let i = 0; i < ok; i++)
        okBytes += (records[i] as Uint8Array).byteLength + RECORD_OVERHEAD;
      this.bytesSinceSnapshot += okBytes;
      this.oldestUnsnapshottedAt ??= this.clock.now();
      this.counters.groups++;
      const group = Object.freeze({
        commands: members.length + Math.min(ok, outbox.length),
        bytes: okBytes,
      });
      for (let i = 0; i < Math.min(ok, outbox.length); i++) {
        const item = outbox[i] as OutboxItem<Op>;
        item.settle(this.success(firstSeq + i, durable, item.at, groupStart, 0, group, timings));
      }
      for (const m of members) {
        if (m.record >= 0 && m.record < ok) {
          this.counters.commits++;
          m.settle(
            this.success(
              firstSeq + m.record,
              durable,
              m.at,
              groupStart,
              m.commandMs,
              group,
              timings,
            ),
          );
        } else if (m.record < 0 && m.before <= ok) {
          m.settle(
            this.success(
              firstSeq + m.before - 1,
              durable,
              m.at,
              groupStart,
              m.commandMs,
              group,
              timings,
            ),
          );
        }
      }
      this.emit({
        type: "committed",
        fromSeq: firstSeq,
        toSeq: lastSeq,
        commands: group.commands,
        bytes: okBytes,
      });
    }
    if (failure !== undefined || ok < records.length) {
      const error =
        failure ?? new PersistenceError("ERR_IO", "the group was not written", { stage: "write" });
      this.lastError = error;
      if (committed === "unknown") this.enterReadOnly(error);
      for (const m of members) {
        const inFailed = m.record >= ok || (m.record < 0 && m.before > ok);
        if (!inFailed) continue;
        this.counters.failedCommits++;
        m.settle(failed(error, committed));
      }
      // Write-behind batches stay visible and unsaved; they are written with the next flush.
      const unsaved = outbox.slice(ok);
      if (unsaved.length > 0) {
        this.outbox = [...unsaved, ...this.outbox];
        this.counters.writeBehindFailures++;
        this.flushFailures++;
        this.emit({ type: "write-behind-failed", error, pending: this.outbox.length });
        if (committed === "unknown") this.failOutbox(error, "unknown");
        else this.scheduleFlush(true);
      }
    } else {
      this.flushFailures = 0;
      this.firstUnsavedAt = this.outbox.length > 0 ? this.clock.now() : undefined;
    }
    this.maybeAutoCompact();
  }

  /** Rebuilds the visible root: the committed one plus the write-behind batches not journaled yet. */
  private publishVisible(): void {
    let value = this.committed.value;
    const kept: OutboxItem<Op>[] = [];
    for (const item of this.outbox) {
      try {
        value = this.applyOps(value, item.ops);
        kept.push(item);
      } catch (error) {
        item.settle(failed(commandError(error)));
      }
    }
    this.outbox = kept;
    this.visible =
      kept.length === 0
        ? this.committed
        : Object.freeze({ value, seq: this.committed.seq + kept.length });
  }

  private success(
    seq: number,
    durable: boolean,
    at: number,
    groupStart: number,
    commandMs: number,
    group: { commands: number; bytes: number },
    timings: { writeMs: number; syncMs: number },
  ): CommitSucceeded {
    return Object.freeze({
      ok: true,
      seq,
      durable,
      patched: true,
      reloaded: false,
      group,
      timings: Object.freeze({ queueMs: Math.max(0, groupStart - at), commandMs, ...timings }),
    });
  }

  private emptyResult(m: Member, groupStart: number): CommitSucceeded {
    const seq = this.committed.seq;
    return this.success(
      seq,
      this.journal.state.durableSeq >= seq,
      m.at,
      groupStart,
      m.commandMs,
      { commands: 0, bytes: 0 },
      { writeMs: 0, syncMs: 0 },
    );
  }

  // ---- external commits ---------------------------------------------------------------------------

  commitExternal(
    reason: string,
    change: {
      readonly persist: () => Promise<void>;
      readonly ops: readonly Op[] | StoreCommand<S, Op>;
    },
  ): CommitTicket {
    if (typeof change?.persist !== "function") {
      throw new TypeError("commitExternal needs a persist function");
    }
    if (typeof change.ops !== "function" && !Array.isArray(change.ops)) {
      throw new TypeError("commitExternal needs ops (an array or a command)");
    }
    const refused = this.refusal();
    if (refused !== undefined) return { settled: Promise.resolve(failed(refused)) };
    let settle!: Settle;
    const settled = new Promise<CommitResult>((resolve) => {
      settle = resolve;
    });
    this.enqueue({
      kind: "external",
      reason: String(reason),
      persist: change.persist,
      ops: change.ops,
      at: this.clock.now(),
      settle,
    });
    return { settled };
  }

  private async runExternal(entry: ExternalEntry<S, Op>): Promise<void> {
    if (this.readOnlyError !== undefined) {
      entry.settle(failed(this.readOnlyError));
      return;
    }
    try {
      await entry.persist();
    } catch (error) {
      this.counters.failedCommits++;
      entry.settle(failed(toPersistenceError(error, { stage: "write" })));
      return;
    }
    // The caller's write stands from here on; what follows only keeps the read model in step.
    const state = this.visible.value;
    const ops = entry.ops;
    const prepared = this.prepare(state, () =>
      typeof ops === "function" ? (ops as StoreCommand<S, Op>)(state) : (ops as readonly Op[]),
    );
    if ("error" in prepared) {
      const conflict = new PersistenceError(
        "ERR_CONFLICT",
        `the point patch of ${JSON.stringify(entry.reason)} does not apply: ${prepared.error.message}`,
        { cause: prepared.error.cause ?? prepared.error },
      );
      this.lastError = conflict;
      this.emit({ type: "patch-failed", reason: entry.reason, error: conflict });
      let reloaded = false;
      try {
        await this.fallbackReload(`patch-failed: ${entry.reason}`);
        reloaded = true;
      } catch {
        // Counted in health; the caller's commit stands either way.
      }
      this.counters.commits++;
      entry.settle(
        Object.freeze({
          ...this.emptyResult(
            { settle: entry.settle, at: entry.at, commandMs: 0, record: -1, before: 0 },
            this.clock.now(),
          ),
          patched: false,
          reloaded,
          error: conflict,
        }),
      );
      return;
    }
    if (prepared.ops.length === 0) {
      this.counters.commits++;
      entry.settle(
        this.emptyResult(
          { settle: entry.settle, at: entry.at, commandMs: 0, record: -1, before: 0 },
          this.clock.now(),
        ),
      );
      return;
    }
    await this.runGroup({
      settle: (result) => {
        if (!result.ok) {
          // The caller's write stands but the read model could not journal it: say so.
          const error = new PersistenceError(result.error.code, result.error.message, {
            cause: result.error,
            stage: result.error.stage,
            details: { ...result.error.details, persisted: true },
          });
          entry.settle(failed(error, result.committed));
          return;
        }
        entry.settle(result);
      },
      at: entry.at,
      payload: prepared.payload,
      next: prepared.next,
    });
  }

  /** The reload after a patch that did not apply: the caller's loader, or snapshot + journal. */
  private async fallbackReload(reason: string): Promise<void> {
    const load = this.options.loadExternal;
    if (load === undefined) {
      await this.reloadNow(reason);
      return;
    }
    this.counters.reloads++;
    this.lastReloadReason = reason;
    const value = await load(reason);
    // The journal holds no record for the external change. The loaded state gets a seq of its own
    // (a record with no ops) and a new snapshot at that seq, so the next warm load agrees with
    // memory while no file is deleted or rewritten (the next compaction prunes).
    await this.compacting?.catch(() => undefined);
    let seq = this.committed.seq;
    let failure: PersistenceError | undefined;
    try {
      seq = (await this.journal.append(this.opsCodec.encode([]))).seq;
      await this.journal.sync();
      const written = await this.snapshots.write(seq, this.codec.encode(value));
      this.snapshotSeq = seq;
      this.snapshotBytes = written.bytes;
      this.bytesSinceSnapshot = 0;
      this.oldestUnsnapshottedAt = undefined;
      seedReplica(this.replica, { seq, snapshotSeq: seq, snapshot: written.target, payloads: [] });
    } catch (error) {
      failure = toPersistenceError(error, { stage: "write" });
    }
    this.committed = Object.freeze({ value, seq });
    this.publishVisible();
    this.emit({ type: "reloaded", reason, seq });
    if (failure !== undefined) {
      // Memory follows the caller's system, but a restart would not: stop taking writes.
      this.enterReadOnly(failure);
      throw failure;
    }
  }

  // ---- write-behind --------------------------------------------------------------------------------

  mutate(reason: string, command: StoreCommand<S, Op>): MutateTicket {
    if (typeof command !== "function") throw new TypeError("mutate needs a command function");
    const refused = this.refusal();
    if (refused !== undefined) return { seq: undefined, settled: Promise.resolve(failed(refused)) };
    const state = this.visible.value;
    const prepared = this.prepare(state, () => command(state));
    if ("error" in prepared) {
      this.counters.commandErrors++;
      return { seq: undefined, settled: Promise.resolve(failed(prepared.error)) };
    }
    if (prepared.ops.length === 0) {
      return {
        seq: this.visible.seq,
        settled: Promise.resolve(
          this.emptyResult(
            { settle: () => undefined, at: this.clock.now(), commandMs: 0, record: -1, before: 0 },
            this.clock.now(),
          ),
        ),
      };
    }
    let settle!: Settle;
    const settled = new Promise<CommitResult>((resolve) => {
      settle = resolve;
    });
    this.outbox.push({
      reason: String(reason),
      ops: prepared.ops,
      payload: prepared.payload,
      at: this.clock.now(),
      settle,
    });
    this.visible = Object.freeze({ value: prepared.next, seq: this.visible.seq + 1 });
    this.emit({ type: "mutated", seq: this.visible.seq });
    this.scheduleFlush(false);
    return { seq: this.visible.seq, settled };
  }

  private scheduleFlush(afterFailure: boolean): void {
    if (this.closing !== undefined || this.closed) return;
    const now = this.clock.now();
    this.firstUnsavedAt ??= now;
    const { debounceMs, maxDelayMs } = this.policy;
    let delay = Math.max(0, Math.min(now + debounceMs, this.firstUnsavedAt + maxDelayMs) - now);
    if (afterFailure) {
      delay = Math.min(
        Math.max(maxDelayMs, 1),
        Math.max(debounceMs, 1) * 2 ** Math.min(this.flushFailures, 20),
      );
    }
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = undefined;
      if (this.outbox.length > 0 && this.closing === undefined) this.enqueue({ kind: "flush" });
    }, delay);
    (this.flushTimer as { unref?: () => void } | undefined)?.unref?.();
  }

  private failOutbox(error: PersistenceError, committed: false | "unknown"): void {
    const items = this.outbox;
    this.outbox = [];
    for (const item of items) item.settle(failed(error, committed));
    // Memory stays as it was shown; `visible` keeps the unsaved changes.
  }

  // ---- reload and compaction ----------------------------------------------------------------------

  reload(reason: string): Promise<StoreLoadReport> {
    if (this.closing !== undefined || this.closed) return Promise.reject(closedError());
    return this.runInLane(() => this.reloadNow(String(reason)));
  }

  /** Closes the journal, loads snapshot + journal again and swaps the result in. Lane only. */
  private async reloadNow(reason: string): Promise<StoreLoadReport> {
    const work = (async () => {
      await this.compacting?.catch(() => undefined);
      this.counters.reloads++;
      this.lastReloadReason = reason;
      await this.journal.close();
      let loaded: Awaited<ReturnType<Store<S, Op>["warmLoad"]>>;
      try {
        loaded = await this.warmLoad();
      } catch (error) {
        const e = toPersistenceError(error, { stage: "open", direction: "read" });
        this.enterReadOnly(e);
        throw e;
      }
      this.journal = loaded.journal;
      this.readOnlyError = undefined;
      const unsaved = this.outbox;
      this.outbox = [];
      for (const item of unsaved) {
        item.settle(
          failed(
            new PersistenceError("ERR_ABORTED", `a reload (${reason}) replaced unsaved changes`),
          ),
        );
      }
      this.firstUnsavedAt = undefined;
      this.committed = loaded.root;
      this.visible = loaded.root;
      this.emit({ type: "reloaded", reason, seq: loaded.root.seq });
      return loaded.report;
    })();
    this.reloading = work;
    try {
      return await work;
    } finally {
      this.reloading = undefined;
    }
  }

  compact(reason: string): Promise<StoreCompactReport> {
    if (this.closed || this.closing !== undefined) return Promise.reject(closedError());
    if (this.compacting !== undefined) return this.compacting;
    const work = (async () => {
      await this.reloading?.catch(() => undefined);
      if (this.readOnlyError !== undefined) throw this.readOnlyError;
      const root = this.committed;
      const bytesAtStart = this.bytesSinceSnapshot;
      try {
        const source = snapshotSource(this.replica, this.snapshots, this.codec, root);
        const report = await compactJournal({
          journal: this.journal,
          snapshots: source.snapshots,
          seq: root.seq,
          chunks: source.chunks,
          keep: this.policy.keep,
        }).finally(() => source.release());
        this.snapshotSeq = root.seq;
        this.snapshotBytes = report.bytes;
        this.bytesSinceSnapshot = Math.max(0, this.bytesSinceSnapshot - bytesAtStart);
        this.oldestUnsnapshottedAt = this.committed.seq > root.seq ? this.clock.now() : undefined;
        this.counters.compactions++;
        this.lastCompactionError = undefined;
        const result: StoreCompactReport = Object.freeze({
          seq: root.seq,
          snapshot: report.snapshot,
          bytes: report.bytes,
          removedSegments: report.removedSegments,
          removedSnapshots: report.removedSnapshots,
        });
        this.emit({
          type: "compacted",
          reason,
          seq: root.seq,
          removedSegments: report.removedSegments,
        });
        return result;
      } catch (error) {
        const e = toPersistenceError(error, { stage: "write" });
        this.lastCompactionError = e;
        this.lastError = e;
        // Automatic compaction waits until the journal has grown as much again.
        this.nextAutoCompactSeq = root.seq + Math.max(1, root.seq - this.snapshotSeq);
        throw e;
      }
    })();
    this.compacting = work;
    void work
      .catch(() => undefined)
      .finally(() => {
        if (this.compacting === work) this.compacting = undefined;
      });
    return work;
  }

  private maybeAutoCompact(): void {
    const policy = this.compaction;
    if (policy === false || this.compacting !== undefined || this.readOnlyError !== undefined)
      return;
    if (this.closing !== undefined || this.committed.seq < this.nextAutoCompactSeq) return;
    const due = compactionDue(policy, {
      journalBytes: this.bytesSinceSnapshot,
      snapshotBytes: this.snapshotBytes,
      records: this.committed.seq - this.snapshotSeq,
      oldestRecordAt: this.oldestUnsnapshottedAt,
      now: this.clock.now(),
    });
    if (due !== undefined) void this.compact(`auto:${due}`).catch(() => undefined);
  }

  // ---- closing ------------------------------------------------------------------------------------------

  close(options: { readonly timeoutMs?: number | undefined } = {}): Promise<StoreCloseReport> {
    this.closing ??= this.closeNow(options.timeoutMs ?? 30_000);
    return this.closing;
  }

  private async closeNow(timeoutMs: number): Promise<StoreCloseReport> {
    const started = this.clock.now();
    if (this.flushTimer !== undefined) {
      this.clock.clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    let timer: unknown;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = this.clock.setTimeout(() => resolve("timeout"), Math.max(0, timeoutMs));
    });
    const finish = async () => {
      if (this.outbox.length > 0) this.enqueue({ kind: "flush" });
      await new Promise<void>((resolve) =>
        this.enqueue({ kind: "task", run: async () => resolve() }),
      );
      await this.compacting?.catch(() => undefined);
      const closed = await this.journal.close();
      await this.replica?.close?.().catch(() => undefined);
      return closed;
    };
    const outcome = await Promise.race([finish(), deadline]);
    this.clock.clearTimeout(timer);
    let abandoned = 0;
    let error: PersistenceError | undefined;
    let result: StoreCloseReport["outcome"] = "clean";
    if (outcome === "timeout") {
      result = "timed-out";
      error = new PersistenceError("ERR_TIMEOUT", `close did not finish within ${timeoutMs} ms`, {
        stage: "close",
      });
      const pending = this.queue.slice(this.head);
      this.queue = [];
      this.head = 0;
      for (const entry of pending) {
        if (entry.kind === "commit" || entry.kind === "external") {
          abandoned++;
          entry.settle(failed(closedError()));
        }
      }
      void this.journal.close();
    } else if (!outcome.ok) {
      result = "failed";
      error = outcome.error;
    }
    const unsaved = this.outbox.length;
    if (unsaved > 0) {
      result = result === "clean" ? "failed" : result;
      this.failOutbox(error ?? closedError(), false);
    }
    this.closed = true;
    return Object.freeze({
      ok: result === "clean",
      outcome: result,
      durationMs: this.clock.now() - started,
      committedSeq: this.committed.seq,
      durableSeq: Math.min(this.journal.state.durableSeq, this.committed.seq),
      unsaved,
      abandoned,
      error,
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
