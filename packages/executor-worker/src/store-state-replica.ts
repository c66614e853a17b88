import { type OpsCodec, PersistenceError } from "@snapwrite/core";
import type { Replica } from "./serve-replica.js";
import { readSeedFrame, readSeqFrame, STORE_FRAME } from "./store-replica-frames.js";

/**
 * The worker-side state of a store replica: what `serveStoreReplica` feeds with the store's
 * decoded op batches. Its `encode()` must give the bytes the store's own `codec.encode` gives for
 * the same state, and its empty state (`load(undefined)`) must be the store's `empty()`.
 */
export interface StoreReplicaState<Op> {
  /** Replaces the state by a snapshot file's bytes (`undefined`: the empty state). Throws on bad bytes. */
  load(file: Uint8Array | undefined): void;
  /** Applies one op batch. A throw leaves the replica broken until the next seed. */
  apply(ops: readonly Op[]): void;
  /** Encodes the state as the store's codec would (the same rules as `Codec.encode`). */
  encode(): Iterable<Uint8Array>;
}

function broken(code: "ERR_CORRUPT" | "ERR_GAP", message: string, seq: number, cause?: unknown) {
  return new PersistenceError(code, `store replica: ${message}`, {
    details: { seq, reason: "replica" },
    ...(cause === undefined ? {} : { cause }),
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The `Replica` that `serveReplica` runs for a store: it reads the frames of the op stream
 * (`STORE_FRAME`), decodes each batch with the store's ops codec and applies it to the state. A
 * batch that does not decode or apply, or a seq that does not follow, does not stop the worker: the
 * replica turns broken, ignores the stream until the next seed, and its `encode()` throws that
 * error, so the snapshot write fails with it and nothing wrong is ever written. Internal.
 */
export class StoreStateReplica<Op> implements Replica<never> {
  /** Seq of the state; -1 before the first seed. */
  private seq = -1;
  private failure: PersistenceError | undefined;

  constructor(
    private readonly state: StoreReplicaState<Op>,
    private readonly ops: OpsCodec<Op>,
    private readonly readSnapshot: (target: string) => Uint8Array,
  ) {}

  apply(): void {
    throw new TypeError("a store replica takes the op stream's binary frames only");
  }

  applyBytes(tag: number, payload: Uint8Array): void {
    if (tag === STORE_FRAME.seed) {
      this.seed(payload);
      return;
    }
    if (this.failure !== undefined || this.seq < 0) return;
    if (tag === STORE_FRAME.record) {
      this.applyRecord(payload);
    } else if (tag === STORE_FRAME.seq) {
      const next = readSeqFrame(payload);
      if (next !== this.seq + 1) {
        this.failure = broken("ERR_GAP", `batch ${next} follows ${this.seq}`, next);
      }
    } else if (tag === STORE_FRAME.expect) {
      const expected = readSeqFrame(payload);
      if (expected !== this.seq) {
        this.failure = broken("ERR_GAP", `at seq ${this.seq}, not ${expected}`, expected);
      }
    } else {
      throw new TypeError(`unknown store replica frame ${tag}`);
    }
  }

  encode(): Iterable<Uint8Array> {
    if (this.failure !== undefined) throw this.failure;
    if (this.seq < 0) {
      throw new PersistenceError("ERR_SNAPSHOT", "store replica: not seeded", {
        details: { reason: "replica" },
      });
    }
    return this.state.encode();
  }

  private seed(payload: Uint8Array): void {
    const seed = readSeedFrame(payload);
    this.failure = undefined;
    this.seq = seed.seq;
    try {
      this.state.load(seed.snapshot === undefined ? undefined : this.readSnapshot(seed.snapshot));
    } catch (error) {
      const what = seed.snapshot === undefined ? "the empty state" : seed.snapshot;
      this.failure = broken(
        "ERR_CORRUPT",
        `${what} does not load: ${describe(error)}`,
        seed.seq,
        error,
      );
    }
  }

  private applyRecord(payload: Uint8Array): void {
    const seq = this.seq + 1;
    let ops: readonly Op[];
    try {
      ops = this.ops.decode(payload);
    } catch (error) {
      this.failure = broken(
        "ERR_CORRUPT",
        `op batch ${seq} does not decode: ${describe(error)}`,
        seq,
        error,
      );
      return;
    }
    try {
      this.state.apply(ops);
    } catch (error) {
      this.failure = broken(
        "ERR_CORRUPT",
        `op batch ${seq} does not apply: ${describe(error)}`,
        seq,
        error,
      );
      return;
    }
    this.seq = seq;
  }
}
