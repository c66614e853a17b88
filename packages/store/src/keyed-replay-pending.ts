import { mergedValue } from "./apply-keyed-ops.js";
import type { KeyedOp } from "./keyed-op.js";
import { type KeyedState, type KeyedTransient, openKeyedTransient } from "./keyed-state.js";

/** What a pending `del` leaves under its key until the changes are written. */
const DELETED: unique symbol = Symbol("deleted");

/**
 * Changes a run holds back before it writes them to the tree in ascending key order. A replay's
 * records touch keys in no order, so writing each one as it comes walks from the root to a random
 * leaf of a tree much larger than the CPU caches; written in key order, successive puts go down
 * the same or neighbouring paths, whose nodes and key strings are still cached. `keys` bounds
 * them, so that writing them stays a short step of a sliced replay. Tests lower it to exercise the
 * writes between records. Not part of the API.
 */
export const pendingTuning = { keys: 8192 };

/**
 * One collection open for changes in a replay run: its copy-on-write draft, and the last change
 * per key (a value, or a deletion) not yet written to it. Reads during the run (a `del`'s "was the
 * key there", a `merge`'s current value) see the pending change first, so the run counts changes
 * and throws exactly as `applyKeyedOps` record by record would; what the draft ends up holding is
 * the same entries, since the last change per key wins either way.
 */
export class PendingCollection<V> {
  readonly #transient: KeyedTransient<V>;
  readonly #pending = new Map<string, V | typeof DELETED>();

  constructor(state: KeyedState<V>) {
    this.#transient = openKeyedTransient(state);
  }

  /** Entries now (the pending changes written first). */
  get size(): number {
    this.flush();
    return this.#transient.draft.size;
  }

  /**
   * Applies one `put`, `del` or `merge` (ops[`index`], checked already); returns whether it changes
   * the collection (a `del` of an absent key does not). Throws the `ERR_CONFLICT` of a `merge`
   * onto a value that is not a plain object, as `applyKeyedOps` does.
   */
  apply(op: KeyedOp<V>, index: number): boolean {
    switch (op.op) {
      case "put":
        this.#set(op.key, op.value);
        return true;
      case "del":
        if (!this.#has(op.key)) return false;
        this.#set(op.key, DELETED);
        return true;
      case "merge":
        this.#set(op.key, mergedValue(this.#get(op.key), op, index));
        return true;
      default:
        return false;
    }
  }

  /** Writes the pending changes to the draft, in ascending key order. */
  flush(): void {
    const pending = this.#pending;
    if (pending.size === 0) return;
    const draft = this.#transient.draft;
    // Keys are strings: the default sort's order is the tree's (UTF-16 code units).
    for (const key of [...pending.keys()].sort()) {
      const value = pending.get(key) as V | typeof DELETED;
      if (value === DELETED) draft.delete(key);
      else draft.set(key, value);
    }
    pending.clear();
  }

  /** The collection's new version (its base itself when the draft was never changed). */
  finish(): KeyedState<V> {
    this.flush();
    return this.#transient.finish();
  }

  #set(key: string, value: V | typeof DELETED): void {
    this.#pending.set(key, value);
    if (this.#pending.size >= pendingTuning.keys) this.flush();
  }

  // A pending value is never undefined: a put of undefined is refused, a merge stores an object.
  #has(key: string): boolean {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending !== DELETED;
    return this.#transient.draft.has(key);
  }

  #get(key: string): V | undefined {
    const pending = this.#pending.get(key);
    if (pending === DELETED) return undefined;
    return pending !== undefined ? pending : this.#transient.draft.get(key);
  }
}
