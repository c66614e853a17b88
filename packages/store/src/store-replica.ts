import { type Codec, PersistenceError } from "@snapwrite/core";
import type { SnapshotStore } from "@snapwrite/journal";

/**
 * Where the durable store's committed op batches flow out, as the journal's bytes, and who writes
 * its snapshots: a replica of the state kept elsewhere (for example a worker thread, see
 * `createStoreReplica` of `@snapwrite/executor-worker`). The store calls it on its own thread; every
 * call must cost O(its arguments) there.
 */
export interface StoreReplica {
  /**
   * The state is the snapshot `snapshot` (a file of the store's directory; `undefined`: the store's
   * `empty()`) plus the op batches `payloads` (seqs `snapshotSeq + 1` to `seq`). Called by the warm
   * load of `openDurableStore`, by every reload, and after the store wrote a snapshot itself (the
   * reload that follows a patch that could not be applied, with `loadExternal`).
   */
  seed(seed: StoreReplicaSeed): void;
  /**
   * After each durable group: the op batches of seqs `fromSeq` to `toSeq`, the very bytes written to
   * the journal (never re-encoded). The arrays are the store's: keep them, do not change them.
   */
  committed(fromSeq: number, toSeq: number, payloads: readonly Uint8Array[]): void;
  /**
   * Fixes the state at `seq` (the store's committed seq at this moment) for a snapshot: batches
   * committed after this call must not reach the state that `write` encodes. Called synchronously
   * when a compaction starts; `release` is always called once it is over.
   */
  holdSnapshot(seq: number): StoreReplicaSnapshot;
  /**
   * Called by the store's `close()` after the journal closed, before the lock is released. Must not
   * reject. `timeoutMs` is how long a write still running may take to finish: absent on a clean
   * close, `0` after a close that timed out (stop at once: another process may take the directory
   * as soon as the lock is released).
   */
  close?(options?: { readonly timeoutMs?: number | undefined }): Promise<void>;
}

/** What {@link StoreReplica.seed} gets. */
export interface StoreReplicaSeed {
  /** Seq of the state once `payloads` are applied. */
  readonly seq: number;
  /** Seq the snapshot covers (0 without one). */
  readonly snapshotSeq: number;
  /** File name of the snapshot in the store's directory, `undefined` for the empty state. */
  readonly snapshot: string | undefined;
  /** The journal's op batches after the snapshot, in seq order (copies the replica may keep). */
  readonly payloads: readonly Uint8Array[];
}

/** A snapshot in the making, from {@link StoreReplica.holdSnapshot}. */
export interface StoreReplicaSnapshot {
  /**
   * Encodes the held state and writes it as `target` of the store's directory, atomically (as the
   * store's own sink would: `createFsSink({ dir })`, generation = seq). Rejects with a
   * `PersistenceError`; the compaction then fails with it and nothing is deleted.
   */
  write(
    target: string,
    options: { readonly signal?: AbortSignal | undefined },
  ): Promise<{ readonly bytes: number; readonly durable: boolean }>;
  /** Ends the hold: batches committed since flow on. Idempotent. */
  release(): void;
}

/** What a compaction writes with: the snapshot store and the chunks to give it. */
export interface SnapshotSource {
  readonly snapshots: SnapshotStore;
  readonly chunks: Iterable<Uint8Array>;
  release(): void;
}

/** Checks the `replica` option of `openDurableStore`. */
export function checkStoreReplica(replica: unknown): StoreReplica | undefined {
  if (replica === undefined) return undefined;
  const given = replica as Partial<Record<keyof StoreReplica, unknown>> | null;
  if (
    typeof given !== "object" ||
    given === null ||
    typeof given.seed !== "function" ||
    typeof given.committed !== "function" ||
    typeof given.holdSnapshot !== "function" ||
    (given.close !== undefined && typeof given.close !== "function")
  ) {
    throw new TypeError(
      "openDurableStore: replica must be { seed, committed, holdSnapshot, close? } (a StoreReplica)",
    );
  }
  return replica as StoreReplica;
}

/**
 * Collects the op batches a warm load replays, then seeds the replica with them. The journal hands
 * out views into its segment bytes: each is copied.
 */
export class ReplicaSeeding {
  private readonly payloads: Uint8Array[] = [];

  constructor(private readonly replica: StoreReplica | undefined) {}

  add(payload: Uint8Array): void {
    if (this.replica !== undefined) this.payloads.push(payload.slice());
  }

  finish(snapshot: string | undefined, snapshotSeq: number, seq: number): void {
    seedReplica(this.replica, { seq, snapshotSeq, snapshot, payloads: this.payloads });
  }
}

/** Seeds the replica; a throwing replica must not fail a load (its next snapshot will fail). */
export function seedReplica(replica: StoreReplica | undefined, seed: StoreReplicaSeed): void {
  try {
    replica?.seed(seed);
  } catch {
    // The replica is out of step now; it must refuse its next snapshot (see StoreReplica).
  }
}

/**
 * The snapshot store and chunks of one compaction of the state `value` at `seq`: the owner's codec
 * through `snapshots` without a replica; with one, the replica's held state, so nothing is encoded
 * on the owner's thread.
 */
export function snapshotSource<S>(
  replica: StoreReplica | undefined,
  snapshots: SnapshotStore,
  codec: Codec<S>,
  root: { readonly value: S; readonly seq: number },
): SnapshotSource {
  if (replica === undefined) {
    return { snapshots, chunks: codec.encode(root.value), release: () => undefined };
  }
  const hold = replica.holdSnapshot(root.seq);
  if (
    typeof hold !== "object" ||
    hold === null ||
    typeof hold.write !== "function" ||
    typeof hold.release !== "function"
  ) {
    throw replicaBroken(`holdSnapshot(${root.seq}) returned no { write, release }`);
  }
  const viaReplica: SnapshotStore = {
    ...snapshots,
    async write(seq, _chunks, options = {}) {
      if (seq !== root.seq) {
        throw new RangeError(`the replica holds seq ${root.seq}, not ${seq}`);
      }
      const target = snapshots.targetOf(seq);
      const written = await hold.write(target, { signal: options.signal });
      if (typeof written?.bytes !== "number" || typeof written.durable !== "boolean") {
        throw replicaBroken(`the replica's write of ${target} resolved to no { bytes, durable }`);
      }
      return { target, bytes: written.bytes, durable: written.durable };
    },
  };
  return { snapshots: viaReplica, chunks: [], release: () => hold.release() };
}

/** A replica that broke its contract: the compaction fails with this and nothing is deleted. */
function replicaBroken(message: string): PersistenceError {
  return new PersistenceError("ERR_ENCODE", `store replica: ${message}`, {
    stage: "encode",
    details: { reason: "replica" },
  });
}

/** Hands a durable group to the replica; a throwing replica must not break the group's results. */
export function notifyCommitted(
  replica: StoreReplica | undefined,
  fromSeq: number,
  toSeq: number,
  payloads: readonly Uint8Array[],
): void {
  try {
    replica?.committed(fromSeq, toSeq, payloads);
  } catch {
    // The replica checks its seqs before it writes a snapshot: a missed batch fails that write.
  }
}
