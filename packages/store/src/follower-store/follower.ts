import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { LongTimer } from "@snapwrite/core/sink-kit";
import type { JournalFollower } from "@snapwrite/journal";
import { closeTimeoutOf } from "../durable-store/close-timeout.js";
import { closedError, failed, RECORD_OVERHEAD } from "../durable-store/entries.js";
import type {
  CommitTicket,
  DurableStore,
  DurableStoreHealth,
  DurableStoreState,
  MutateTicket,
  StoreCloseReport,
  StoreCompactReport,
  StoreEvent,
  StoreLoadReport,
  StoreRoot,
} from "../durable-store-types.js";
import type { FollowerLoader, Loaded } from "./follower-loader.js";

/** A read-only store that polls the writer's journal and publishes each new root. */
export class Follower<S, Op> implements DurableStore<S, Op> {
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
    private readonly loader: FollowerLoader<S, Op>,
    private readonly intervalMs: number,
  ) {}

  async open(): Promise<StoreLoadReport> {
    const loaded = await this.loader.load();
    this.install(loaded);
    this.schedule();
    return loaded.report;
  }

  private install(loaded: Loaded<S>): void {
    this.root = loaded.root;
    this.follower = loaded.follower;
    this.snapshotSeq = loaded.snapshotSeq;
  }

  // ---- refresh ---------------------------------------------------------------------------------

  private schedule(): void {
    if (this.closed || this.closing !== undefined) return;
    const clock = this.loader.clock;
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      void this.inLane(() => this.tick()).finally(() => this.schedule());
    }, this.intervalMs);
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
        value = await this.loader.applyRecords(this.root.value, found.records);
      } catch (error) {
        // The follower is past these records now; only a reload can get back in step.
        this.lastError = toPersistenceError(error, { stage: "open", direction: "read" });
        await this.reloadNow("refresh: record does not apply");
        return;
      }
      // A close that timed out while this refresh ran: nothing more is published.
      if (this.closed) return;
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
      loaded = await this.loader.load();
    } catch (error) {
      const e = toPersistenceError(error, { stage: "open", direction: "read" });
      this.lastError = e;
      throw e;
    }
    if (this.closed) throw closedError();
    this.install(loaded);
    this.emit({ type: "reloaded", reason, seq: loaded.root.seq });
    return loaded.report;
  }

  // ---- the DurableStore surface ----------------------------------------------------------------

  read(): StoreRoot<S> {
    return this.root;
  }

  private refusal(): PersistenceError {
    if (this.closed || this.closing !== undefined) return closedError();
    return this.readOnlyError;
  }

  commit(): CommitTicket {
    return { settled: Promise.resolve(failed(this.refusal())) };
  }

  mutate(): MutateTicket {
    return { seq: null, settled: Promise.resolve(failed(this.refusal())) };
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

  /**
   * Stops the refresh timer and waits for a refresh in flight, at most `timeoutMs` (as the durable
   * store's `close`: default 30 s, `Infinity` for none; a bad value throws before anything stops).
   * A refresh still running at the deadline is left to end on its own and publishes nothing; the
   * report says `timed-out`. Never rejects.
   */
  close(options?: { readonly timeoutMs?: number | undefined }): Promise<StoreCloseReport> {
    const timeoutMs = closeTimeoutOf(options);
    this.closing ??= this.closeNow(timeoutMs);
    return this.closing;
  }

  private async closeNow(timeoutMs: number): Promise<StoreCloseReport> {
    const clock = this.loader.clock;
    const started = clock.now();
    if (this.timer !== undefined) {
      clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    let timer: LongTimer | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = new LongTimer(clock, () => resolve("timeout"));
      timer.arm(timeoutMs);
    });
    const outcome = await Promise.race([this.lane.then(() => "done" as const), deadline]);
    timer?.cancel();
    this.closed = true;
    const seq = this.root.seq;
    const timedOut = outcome === "timeout";
    return Object.freeze({
      ok: !timedOut,
      outcome: timedOut ? ("timed-out" as const) : ("clean" as const),
      durationMs: clock.now() - started,
      committedSeq: seq,
      durableSeq: seq,
      inFlight: 0,
      unsaved: 0,
      abandoned: 0,
      // It holds no lock; what may still run is the refresh the deadline left behind.
      released: !timedOut,
      ...(timedOut
        ? {
            error: new PersistenceError(
              "ERR_TIMEOUT",
              `close did not finish within ${timeoutMs} ms`,
              {
                stage: "close",
              },
            ),
          }
        : {}),
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
