import { isPersistenceError, PersistenceError } from "@snapwrite/core";
import { STORE_FRAME, seedFrame, seqFrame } from "./store-replica-frames.js";
import { startWorkerReplica } from "./worker-replica.js";
import {
  assertKnownReplicaKeys,
  REPLICA_OPTION_KEYS,
  resolveReplicaOptions,
  withYoungGeneration,
} from "./worker-replica-options.js";
import type {
  WorkerReplica,
  WorkerReplicaCloseOptions,
  WorkerReplicaOptions,
  WorkerReplicaStats,
} from "./worker-replica-types.js";

/** Options of {@link createStoreReplica}: those of `createWorkerReplica` but `resync` (built in). */
export type StoreReplicaOptions<O = unknown> = Omit<WorkerReplicaOptions<never, O>, "resync">;

/** What the store seeds the replica with (`StoreReplicaSeed` of `@snapwrite/store`). */
export interface StoreReplicaSeedInput {
  readonly seq: number;
  readonly snapshotSeq: number;
  readonly snapshot: string | undefined;
  readonly payloads: readonly Uint8Array[];
}

/** A held snapshot (`StoreReplicaSnapshot` of `@snapwrite/store`). */
export interface StoreReplicaHold {
  write(
    target: string,
    options: { readonly signal?: AbortSignal | undefined },
  ): Promise<{ readonly bytes: number; readonly durable: boolean }>;
  release(): void;
}

/** Counters of a {@link StoreWorkerReplica}: the worker's, and the op stream's. */
export interface StoreWorkerReplicaStats extends WorkerReplicaStats {
  /** Seq of the last batch handed to the replica. */
  readonly seq: number;
  /** Batches kept on the owner since the replica's last snapshot, to rebuild a lost worker. */
  readonly retained: number;
  /** Bytes of those batches. */
  readonly retainedBytes: number;
  /** Snapshots the worker wrote. */
  readonly snapshots: number;
}

/**
 * The owner's end of a store replica: the `replica` option of `openDurableStore` of
 * `@snapwrite/store` (it implements its `StoreReplica` port).
 */
export interface StoreWorkerReplica {
  seed(seed: StoreReplicaSeedInput): void;
  committed(fromSeq: number, toSeq: number, payloads: readonly Uint8Array[]): void;
  holdSnapshot(seq: number): StoreReplicaHold;
  /** Closes the worker: `timeoutMs` as for `WorkerReplica.close` (default 5000). */
  close(options?: WorkerReplicaCloseOptions): Promise<void>;
  readonly stats: StoreWorkerReplicaStats;
}

interface Held {
  readonly seq: number;
  readonly batches: { readonly from: number; readonly payloads: readonly Uint8Array[] }[];
}

const NEVER_ABORTED = new AbortController().signal;

/** The replica's broken-state error (`ERR_CORRUPT`/`ERR_GAP`) out of the write's `ERR_ENCODE`. */
function replicaError(error: PersistenceError): PersistenceError {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (error.code !== "ERR_ENCODE" || (cause?.code !== "ERR_CORRUPT" && cause?.code !== "ERR_GAP")) {
    return error;
  }
  return new PersistenceError(cause.code, String(cause.message), {
    stage: "encode",
    target: error.target,
    details: { reason: "replica" },
    cause: error,
  });
}

class StoreReplicaFeeder implements StoreWorkerReplica {
  readonly worker: WorkerReplica<never>;
  /** The snapshot the replica's state starts from; `undefined` until the first seed. */
  private base: { readonly seq: number; readonly snapshot: string | undefined } | undefined;
  /** Batches after `base`, all posted: a lost worker is rebuilt from `base` plus these. */
  private tail: Uint8Array[] = [];
  private tailBytes = 0;
  private fedSeq = 0;
  private held: Held | undefined;
  private gap: PersistenceError | undefined;
  private reseed = false;
  private written = 0;
  /** Set by `close()`: no batch is kept or posted any more, and a snapshot is `ERR_CLOSED`. */
  private closed = false;

  constructor(options: StoreReplicaOptions) {
    const workerOptions: WorkerReplicaOptions<never> = {
      ...options,
      // A store replica holds its state as JS objects: V8's own young generation unless asked.
      resourceLimits: withYoungGeneration(options.resourceLimits, 0),
      // Only a left-out name takes the default: `null` is refused by the check.
      name: options.name === undefined ? "snapwrite-store-replica" : options.name,
      resync: (fresh) => this.postSeed(fresh),
    };
    // Checked once, under the name of the factory the user called.
    this.worker = startWorkerReplica(resolveReplicaOptions(workerOptions, "createStoreReplica"));
  }

  get stats(): StoreWorkerReplicaStats {
    return Object.freeze({
      ...this.worker.stats,
      seq: this.fedSeq,
      retained: this.tail.length,
      retainedBytes: this.tailBytes,
      snapshots: this.written,
    });
  }

  seed(seed: StoreReplicaSeedInput): void {
    if (this.closed) return;
    this.base = { seq: seed.snapshotSeq, snapshot: seed.snapshot };
    this.tail = [...seed.payloads];
    this.tailBytes = this.tail.reduce((sum, p) => sum + p.byteLength, 0);
    this.fedSeq = seed.seq;
    this.gap = undefined;
    this.reseed = false;
    if (seed.seq !== seed.snapshotSeq + seed.payloads.length) {
      // Never thrown at the store (it would fail its load): the next snapshot is refused instead.
      this.gap = new PersistenceError(
        "ERR_GAP",
        `store replica: a seed of ${seed.payloads.length} batches after seq ${seed.snapshotSeq} does not end at ${seed.seq}`,
        { stage: "snapshot", details: { seq: seed.seq, reason: "replica" } },
      );
    }
    this.postSeed(this.worker);
  }

  committed(fromSeq: number, toSeq: number, payloads: readonly Uint8Array[]): void {
    if (this.base === undefined || this.closed) return;
    if (fromSeq !== this.fedSeq + 1 || toSeq - fromSeq + 1 !== payloads.length) {
      this.gap ??= new PersistenceError(
        "ERR_GAP",
        `store replica: batches ${fromSeq}-${toSeq} do not follow seq ${this.fedSeq}; it needs a new seed (a reload)`,
        { stage: "snapshot", details: { seq: fromSeq, reason: "replica" } },
      );
      return;
    }
    this.fedSeq = toSeq;
    if (this.held !== undefined) {
      this.held.batches.push({ from: fromSeq, payloads });
      return;
    }
    this.post(fromSeq, payloads);
  }

  holdSnapshot(seq: number): StoreReplicaHold {
    if (this.held !== undefined) throw new TypeError("a snapshot of the replica is held already");
    const held: Held = { seq, batches: [] };
    this.held = held;
    return {
      write: (target, options) => this.write(held, target, options.signal ?? NEVER_ABORTED),
      release: () => this.release(held),
    };
  }

  close(options?: WorkerReplicaCloseOptions): Promise<void> {
    // Closed alone (the store still open), it must not keep every later batch for a worker that
    // will never get them.
    this.closed = true;
    this.base = undefined;
    this.tail = [];
    this.tailBytes = 0;
    return this.worker.close(options);
  }

  private async write(held: Held, target: string, signal: AbortSignal) {
    if (this.held !== held) throw new TypeError("this snapshot hold was released");
    if (this.closed) {
      throw new PersistenceError("ERR_CLOSED", "store replica: closed, it writes no snapshot", {
        stage: "snapshot",
        target,
        details: { seq: held.seq, reason: "replica" },
      });
    }
    if (this.gap !== undefined) throw this.gap;
    const base = this.base;
    if (base === undefined || base.seq + this.tail.length !== held.seq) {
      throw new PersistenceError(
        "ERR_GAP",
        `store replica: asked for seq ${held.seq}, holds ${base === undefined ? "nothing" : base.seq + this.tail.length}`,
        { stage: "snapshot", details: { seq: held.seq, reason: "replica" } },
      );
    }
    if (this.reseed && this.worker.stats.alive) this.postSeed(this.worker);
    this.reseed = false;
    // A lost worker gets no frame now: the write's resync posts `base` and `tail`, exactly `seq`.
    if (this.worker.stats.alive) this.worker.patchBytes(STORE_FRAME.expect, seqFrame(held.seq));
    const outcome = await this.worker.run({ target, generation: held.seq, attempt: 1, signal });
    if (!outcome.ok) {
      const error = isPersistenceError(outcome.error) ? replicaError(outcome.error) : outcome.error;
      // A broken replica is rebuilt before the next snapshot (it may fail again the same way).
      if (error.code === "ERR_CORRUPT" || error.code === "ERR_GAP") this.reseed = true;
      throw error;
    }
    this.written++;
    if (this.held === held) {
      this.base = { seq: held.seq, snapshot: target };
      this.tail = [];
      this.tailBytes = 0;
    }
    return { bytes: outcome.bytes, durable: outcome.durable };
  }

  private release(held: Held): void {
    if (this.held !== held) return;
    this.held = undefined;
    for (const batch of held.batches) this.post(batch.from, batch.payloads);
  }

  private post(fromSeq: number, payloads: readonly Uint8Array[]): void {
    this.worker.patchBytes(STORE_FRAME.seq, seqFrame(fromSeq));
    for (const payload of payloads) {
      this.tail.push(payload);
      this.tailBytes += payload.byteLength;
      this.worker.patchBytes(STORE_FRAME.record, payload);
    }
  }

  /** The whole replica: its snapshot, then every batch after it. O(tail) on the owner, no encoding. */
  private postSeed(replica: WorkerReplica<never>): void {
    const base = this.base;
    if (base === undefined) return;
    replica.patchBytes(STORE_FRAME.seed, seedFrame(base));
    if (this.tail.length === 0) return;
    replica.patchBytes(STORE_FRAME.seq, seqFrame(base.seq + 1));
    for (const payload of this.tail) replica.patchBytes(STORE_FRAME.record, payload);
  }
}

/**
 * Starts a worker thread that keeps a replica of a durable store's state, fed with the store's
 * committed op batches as journaled, and writes the store's snapshots: pass it as the `replica`
 * option of `openDurableStore` (`@snapwrite/store`). The worker module calls `serveStoreReplica`.
 * Each committed batch costs the owner a copy of its bytes into a transferred buffer (O(batch));
 * the owner keeps references to the batches since the replica's last snapshot, to rebuild a worker
 * that crashed from that snapshot file and them. Throws like `createWorkerReplica`.
 */
export function createStoreReplica<O = unknown>(
  options: StoreReplicaOptions<O>,
): StoreWorkerReplica {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createStoreReplica needs an options object");
  }
  if ((options as { resync?: unknown }).resync !== undefined) {
    throw new TypeError("createStoreReplica resyncs by itself: remove the resync option");
  }
  assertKnownReplicaKeys(
    "createStoreReplica",
    options,
    REPLICA_OPTION_KEYS.filter((key) => key !== "resync"),
  );
  return new StoreReplicaFeeder(options as StoreReplicaOptions);
}
