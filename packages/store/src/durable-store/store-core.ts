import * as nodeFs from "node:fs/promises";
import type { Apply, Clock, Codec, FsPort, OpsCodec, Sink } from "@snapwrite/core";
import { PersistenceError, systemClock } from "@snapwrite/core";
import {
  type CompactionPolicy,
  checkJournalNameBytes,
  createSnapshotStore,
  type HeldLock,
  isLockLost,
  type Journal,
  type JournalDurability,
  type JournalEvent,
  type SnapshotStore,
} from "@snapwrite/journal";
import { createFsSink } from "@snapwrite/sink-fs";
import type {
  CommitSucceeded,
  DurableStoreState,
  OpenDurableStoreOptions,
  StoreCloseReport,
  StoreCompactReport,
  StoreEvent,
  StoreRoot,
} from "../durable-store-types.js";
import { storeNameOf } from "../store-name.js";
import { checkStoreReplica, type StoreReplica } from "../store-replica.js";
import { type SyncMeter, timedFs } from "../timed-fs.js";
import { closedError, commandError, failed, type Member, type OutboxItem } from "./entries.js";
import { Lane } from "./lane.js";
import { MutationFence } from "./mutation-fence.js";
import type { Policy } from "./policy.js";
import { recordQuarantines } from "./quarantine-log.js";

const nodeFsPort = nodeFs as unknown as FsPort;

/**
 * The state one durable store shares between its parts (loading, group commit, write-behind,
 * external commits, reload, compaction, close), and the small steps they all use.
 */
export class StoreCore<S, Op> {
  readonly clock: Clock;
  readonly fs: FsPort;
  readonly name: string;
  readonly codec: Codec<S>;
  readonly opsCodec: OpsCodec<Op>;
  readonly applyOps: Apply<S, Op>;
  readonly meter: SyncMeter = { total: 0 };
  /** The sink the snapshots are written and read through. */
  readonly sink: Sink;
  readonly snapshots: SnapshotStore;
  /** Where the snapshots that did not decode were moved aside (a warm load empties it first). */
  readonly quarantinedSnapshots: string[] = [];
  readonly compaction: (CompactionPolicy & { keep?: number | undefined }) | false;
  readonly lane = new Lane<S, Op>();
  /**
   * Guards the port the snapshots are written, quarantined and pruned through: raised when a close
   * times out, so a compaction still running changes nothing more (see close.ts).
   */
  readonly fence = new MutationFence();
  /** Fed the committed op batches as journaled; writes the compaction snapshots when given. */
  readonly replica: StoreReplica | undefined;
  journal!: Journal;
  /** The `lock` option's lock, held from before the first load until the store is closed. */
  heldLock: HeldLock | undefined;
  committed!: StoreRoot<S>;
  visible!: StoreRoot<S>;
  outbox: OutboxItem<S, Op>[] = [];
  /**
   * Records the running group is appending (0 when none is): they take the seqs after
   * `committed.seq`, so a write-behind batch queued meanwhile follows them.
   */
  inFlightRecords = 0;
  /**
   * The state `visible` was built on: `visible.value` is it with the outbox's batches applied in
   * order (`undefined` when not known). A group that commits exactly that state leaves nothing to
   * rebuild, so `publishVisible` keeps the visible value, the newest version of its line (a keyed
   * state's hash index stays with it, see keyed-index.ts).
   */
  visibleBase: { readonly value: S } | undefined;
  flushTimer: unknown;
  firstUnsavedAt: number | undefined;
  flushFailures = 0;
  readonly listeners = new Set<(event: StoreEvent) => void>();
  readOnlyError: PersistenceError | undefined;
  /** Why the `lock` option's lock is no longer ours, once it was broken under this store. */
  lockLost: PersistenceError | undefined;
  closed = false;
  /** Aborted when `closed` is set: what waits on the caller's code (a `loadExternal`) stops there. */
  readonly closedSignal = new AbortController();
  closing: Promise<StoreCloseReport> | undefined;
  compacting: Promise<StoreCompactReport> | undefined;
  reloading: Promise<unknown> | undefined;
  snapshotSeq = 0;
  snapshotBytes = 0;
  bytesSinceSnapshot = 0;
  oldestUnsnapshottedAt: number | undefined;
  nextAutoCompactSeq = 0;
  readonly counters = {
    commits: 0,
    failedCommits: 0,
    commandErrors: 0,
    groups: 0,
    reloads: 0,
    compactions: 0,
    writeBehindFailures: 0,
  };
  lastReloadReason: string | undefined;
  lastCompactionError: PersistenceError | undefined;
  lastError: PersistenceError | undefined;

  constructor(
    readonly options: OpenDurableStoreOptions<S, Op>,
    readonly policy: Policy,
    readonly durability: JournalDurability,
  ) {
    this.clock = options.clock ?? systemClock;
    this.name = storeNameOf(options.name, "openDurableStore");
    // Before any file is touched (the directory, the lock, a snapshot): the journal's own open
    // would refuse the name only after those.
    checkJournalNameBytes(options.dir, this.name, "openDurableStore");
    this.codec = options.codec;
    this.opsCodec = options.ops;
    this.applyOps = options.apply;
    this.compaction = options.compaction ?? {};
    this.replica = checkStoreReplica(options.replica);
    this.fs = timedFs(options.fs ?? nodeFsPort, this.meter, () => this.clock.now());
    const fencedFs = this.fence.wrap(options.fs ?? nodeFsPort);
    this.sink = createFsSink({ dir: options.dir, fs: fencedFs });
    this.snapshots = createSnapshotStore({
      sink: recordQuarantines(this.sink, this.quarantinedSnapshots),
      name: this.name,
      dir: options.dir,
      fs: fencedFs,
    });
  }

  onJournalEvent(event: JournalEvent): void {
    if (event.type !== "read-only") return;
    // The journal checks the store's lock before its own steps too: a loss it finds is the store's.
    const lost = lockLostIn(event.error);
    if (lost !== undefined) this.enterLockLost(lost);
    else this.enterReadOnly(event.error);
  }

  enterReadOnly(cause: PersistenceError): void {
    if (this.readOnlyError !== undefined) return;
    this.readOnlyError = new PersistenceError(
      "ERR_READ_ONLY",
      `the store is read-only after a failure whose outcome is unknown: ${cause.message}; reload or reopen it`,
      { cause, details: { code: cause.code } },
    );
    this.lastError = cause;
    this.emit({ type: "read-only", error: this.readOnlyError });
  }

  /**
   * Enters read-only mode because the `lock` option's lock was broken under this store (it was
   * frozen past `staleMs`): another process may be writing the journal now. New changes are
   * refused with `ERR_LOCKED` (`details.reason: "lost"`); a reload keeps refusing them.
   */
  enterLockLost(cause: PersistenceError): void {
    if (this.lockLost !== undefined) return;
    this.lockLost = cause;
    this.readOnlyError = new PersistenceError(
      "ERR_LOCKED",
      `the store is read-only: its lock was lost (${cause.message}); close it and reopen`,
      {
        stage: "lock",
        target: this.options.dir,
        cause,
        details: { ...cause.details, reason: "lost", readOnly: true },
      },
    );
    this.lastError = cause;
    this.emit({ type: "read-only", error: this.readOnlyError });
  }

  emit(event: StoreEvent): void {
    if (this.listeners.size === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's exception must not break the store.
      }
    }
  }

  mode(): DurableStoreState["mode"] {
    if (this.closed) return "closed";
    if (this.readOnlyError !== undefined) return "read-only";
    return this.journal.state.mode === "degraded" ? "degraded" : "ok";
  }

  /** Why a new change is refused right now, if it is. */
  refusal(): PersistenceError | undefined {
    if (this.closing !== undefined || this.closed) return closedError();
    return this.readOnlyError;
  }

  /** Runs `command(state)`: its ops, the next state and the encoded record, or ERR_COMMAND. */
  prepare(
    state: S,
    command: (state: S) => readonly Op[],
  ): { ops: readonly Op[]; next: S; payload: Uint8Array } | { error: PersistenceError } {
    try {
      const ops = command(state);
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
   * Rebuilds the visible root: the committed one plus the write-behind batches not journaled yet.
   * When the committed state is not the one the batches were made on (a commit journaled before
   * them, a reload), their commands run again on it, since a batch's ops may depend on the state
   * (a counter incremented): see `rebaseOutbox`.
   */
  publishVisible(): void {
    let value: S;
    if (this.visibleBase !== undefined && this.visibleBase.value === this.committed.value) {
      // `apply` is pure: the outbox applied to the committed state again gives the visible one.
      value = this.visible.value;
    } else {
      value = this.rebaseOutbox();
      this.visibleBase = { value: this.committed.value };
    }
    if (this.outbox.length === 0) {
      this.visible = this.committed;
      this.stopFlushTimer();
    } else {
      this.visible = Object.freeze({ value, seq: this.committed.seq + this.outbox.length });
    }
  }

  /**
   * Runs the outbox's commands (pure) again, in order, on the committed state, re-encoding their
   * records; returns the state after the last. A command that fails now settles its change with
   * ERR_COMMAND, one with no ops now settles it as a change with no ops; both leave the outbox.
   */
  private rebaseOutbox(): S {
    let value = this.committed.value;
    const kept: OutboxItem<S, Op>[] = [];
    for (const item of this.outbox) {
      const prepared = this.prepare(value, item.command);
      if ("error" in prepared) {
        this.counters.commandErrors++;
        item.settle(failed(prepared.error));
      } else if (prepared.ops.length === 0) {
        const seq = this.committed.seq + kept.length;
        item.settle(this.emptyResult(noOpMember(item.at), this.clock.now(), seq));
      } else {
        item.payload = prepared.payload;
        value = prepared.next;
        kept.push(item);
      }
    }
    this.outbox = kept;
    return value;
  }

  /** Stops the write-behind timer (nothing is left to flush). */
  stopFlushTimer(): void {
    if (this.flushTimer === undefined) return;
    this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  failOutbox(error: PersistenceError, committed: false | "unknown"): void {
    const items = this.outbox;
    this.outbox = [];
    this.visibleBase = undefined;
    this.stopFlushTimer();
    for (const item of items) item.settle(failed(error, committed));
    // Memory stays as it was shown; `visible` keeps the unsaved changes.
  }

  success(
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
      timings: Object.freeze({
        queueMs: Math.max(0, groupStart - at),
        commandMs,
        writeMs: timings.writeMs,
        syncMs: timings.syncMs,
      }),
    });
  }

  /** The result of a change with no ops; `seq` is the seq its state included. */
  emptyResult(m: Member, groupStart: number, seq = this.committed.seq): CommitSucceeded {
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
}

/** A result for a change with no ops, committed at the current seq. */
export function noOpResult<S, Op>(core: StoreCore<S, Op>, at: number): CommitSucceeded {
  return core.emptyResult(noOpMember(at), core.clock.now());
}

function noOpMember(at: number): Member {
  return { settle: () => undefined, at, commandMs: 0, record: -1, before: 0 };
}

/** The lost-lock error `error` is or was caused by, if any (a few levels down its causes). */
function lockLostIn(error: PersistenceError): PersistenceError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined; depth++) {
    if (isLockLost(current)) return current as PersistenceError;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
