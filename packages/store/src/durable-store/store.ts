import type {
  CommitTicket,
  DurableStore,
  DurableStoreHealth,
  DurableStoreState,
  MutateTicket,
  StoreCloseReport,
  StoreCommand,
  StoreCompactReport,
  StoreEvent,
  StoreLoadReport,
  StoreRoot,
} from "../durable-store-types.js";
import { closeStore } from "./close.js";
import { closeTimeoutOf } from "./close-timeout.js";
import { compact } from "./compaction.js";
import { CreatedDir } from "./created-dir.js";
import { closedError, failed, pendingResult } from "./entries.js";
import { commitExternal, type ExternalChangeRequest, runExternal } from "./external-commit.js";
import { runGroup } from "./group-commit.js";
import { reloadNow } from "./reload.js";
import type { StoreCore } from "./store-core.js";
import { acquireStoreLock, releaseStoreLock } from "./store-lock.js";
import { type WarmLoaded, warmLoad } from "./warm-load.js";
import { mutate } from "./write-behind.js";

/** The public face of a durable store: each method hands over to the part that does the work. */
export class Store<S, Op> implements DurableStore<S, Op> {
  constructor(private readonly core: StoreCore<S, Op>) {
    core.lane.handlers = {
      external: (entry) => runExternal(core, entry),
      group: () => runGroup(core, undefined),
    };
  }

  /**
   * Takes the lock (when given) before anything is read; a failed open releases it, and removes
   * the directory when the open created it and it is still empty.
   */
  async open(): Promise<StoreLoadReport> {
    let loaded: WarmLoaded<S>;
    const dir = await CreatedDir.before(this.core.fs, this.core.options.dir);
    try {
      await acquireStoreLock(this.core);
      loaded = await warmLoad(this.core);
    } catch (error) {
      await releaseStoreLock(this.core);
      await dir.removeIfCreated();
      throw error;
    }
    const { journal, root, report } = loaded;
    this.core.journal = journal;
    this.core.committed = root;
    this.core.visible = root;
    return report;
  }

  read(): StoreRoot<S> {
    return this.core.visible;
  }

  get state(): DurableStoreState {
    const core = this.core;
    const journalState = core.journal.state;
    return Object.freeze({
      committedSeq: core.committed.seq,
      durableSeq: Math.min(journalState.durableSeq, core.committed.seq),
      visibleSeq: core.visible.seq,
      snapshotSeq: core.snapshotSeq,
      unsaved: core.outbox.length,
      queued: core.lane.queued,
      mode: core.mode(),
    });
  }

  health(): DurableStoreHealth {
    const core = this.core;
    return Object.freeze({
      mode: core.mode(),
      ...core.counters,
      lastReloadReason: core.lastReloadReason,
      lastCompactionError: core.lastCompactionError,
      unsaved: core.outbox.length,
      lastError: core.lastError,
      readOnlyError: core.readOnlyError,
    });
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    if (typeof listener !== "function") throw new TypeError("subscribe needs a function");
    const entry = (event: StoreEvent) => listener(event);
    this.core.listeners.add(entry);
    return () => {
      this.core.listeners.delete(entry);
    };
  }

  commit(reason: string, command: StoreCommand<S, Op>): CommitTicket {
    if (typeof command !== "function") throw new TypeError("commit needs a command function");
    const core = this.core;
    const refused = core.refusal();
    if (refused !== undefined) return { settled: Promise.resolve(failed(refused)) };
    const { settle, settled } = pendingResult();
    core.lane.enqueue({
      kind: "commit",
      reason: String(reason),
      command,
      at: core.clock.now(),
      settle,
    });
    return { settled };
  }

  mutate(reason: string, command: StoreCommand<S, Op>): MutateTicket {
    return mutate(this.core, reason, command);
  }

  commitExternal(reason: string, change: ExternalChangeRequest<S, Op>): CommitTicket {
    return commitExternal(this.core, reason, change);
  }

  reload(reason: string): Promise<StoreLoadReport> {
    const core = this.core;
    if (core.closing !== undefined || core.closed) return Promise.reject(closedError());
    return core.lane.run(() => reloadNow(core, String(reason)));
  }

  compact(reason: string): Promise<StoreCompactReport> {
    return compact(this.core, reason);
  }

  close(options?: { readonly timeoutMs?: number | undefined }): Promise<StoreCloseReport> {
    // Checked first: a bad value throws before anything is refused or abandoned.
    const timeoutMs = closeTimeoutOf(options);
    this.core.closing ??= closeStore(this.core, timeoutMs);
    return this.core.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
