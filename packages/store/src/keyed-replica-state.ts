import type { Codec } from "@snapwrite/core";
import { applyKeyedOps } from "./apply-keyed-ops.js";
import { emptyCollections, type KeyedCollections } from "./keyed-collections.js";
import type { KeyedOp } from "./keyed-op.js";

/** Options of {@link createKeyedReplicaState}. */
export interface KeyedReplicaStateOptions<V = unknown> {
  /**
   * The store's snapshot codec (`options.codec` of `openDurableStore`): the replica loads snapshot
   * files and encodes its state with it, so its snapshots are the bytes the store would write.
   */
  readonly codec: Codec<KeyedCollections<V>>;
  /** The store's `empty()`: the state before any snapshot. Default `emptyCollections`. */
  readonly empty?: (() => KeyedCollections<V>) | undefined;
}

/**
 * The state of a store replica whose store keeps {@link KeyedCollections} and applies
 * `applyKeyedOps` (the ops `createJsonOpsCodec` of `@snapwrite/formats-json` decodes): what
 * `serveStoreReplica` of `@snapwrite/executor-worker` feeds in a worker thread (it is its
 * `StoreReplicaState`). A batch costs what it costs the owner, O(k log n) with structural sharing.
 */
export interface KeyedReplicaState<V = unknown> {
  /** Replaces the state by a snapshot file decoded with `codec` (`undefined`: `empty()`). */
  load(file: Uint8Array | undefined): void;
  /** Applies one batch with `applyKeyedOps`; a throw (malformed op, conflict) changes nothing. */
  apply(ops: readonly KeyedOp<V>[]): void;
  /** Encodes the state with `codec`. */
  encode(): Iterable<Uint8Array>;
  /** The state held. */
  readonly value: KeyedCollections<V>;
}

class KeyedCollectionsReplicaState<V> implements KeyedReplicaState<V> {
  private state: KeyedCollections<V>;

  constructor(
    private readonly codec: Codec<KeyedCollections<V>>,
    private readonly empty: () => KeyedCollections<V>,
  ) {
    this.state = empty();
  }

  get value(): KeyedCollections<V> {
    return this.state;
  }

  load(file: Uint8Array | undefined): void {
    this.state = file === undefined ? this.empty() : this.codec.decode(file);
  }

  apply(ops: readonly KeyedOp<V>[]): void {
    this.state = applyKeyedOps(this.state, ops);
  }

  encode(): Iterable<Uint8Array> {
    return this.codec.encode(this.state);
  }
}

/**
 * Creates a {@link KeyedReplicaState}: the worker side of a keyed store's replica, so that its
 * compactions encode in the worker, not on the owner's thread:
 *
 * ```js
 * serveStoreReplica({
 *   ops: createJsonOpsCodec(),
 *   createState: () => createKeyedReplicaState({ codec }),
 *   createSink: (options) => createFsSink({ dir: options.dir }),
 * });
 * ```
 *
 * `codec` and `empty` must be the store's own, and the store's `apply` must be `applyKeyedOps`.
 * `TypeError` for a missing codec.
 */
export function createKeyedReplicaState<V = unknown>(
  options: KeyedReplicaStateOptions<V>,
): KeyedReplicaState<V> {
  const codec = options?.codec;
  if (
    typeof codec !== "object" ||
    codec === null ||
    typeof codec.encode !== "function" ||
    typeof codec.decode !== "function"
  ) {
    throw new TypeError("createKeyedReplicaState: codec must be a Codec");
  }
  const empty = options.empty ?? (emptyCollections as () => KeyedCollections<V>);
  if (typeof empty !== "function") {
    throw new TypeError("createKeyedReplicaState: empty must be a function");
  }
  return new KeyedCollectionsReplicaState(codec, empty);
}
