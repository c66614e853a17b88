import { mergedValue } from "./apply-keyed-ops.js";
import type { KeyedOp } from "./keyed-op.js";
import { type KeyedState, type KeyedTransient, openKeyedTransient } from "./keyed-state.js";

/** What a pending `del` leaves under its key until the changes are written. */
const DELETED: unique symbol = Symbol("deleted");

/**
 * Changes a run holds back before it writes them to the tree in ascending key order. A replay's
 * records touch keys in no order, so writing each one as it comes walks from the root to a random
 * leaf of a tree much larger than the CPU caches; written in key order, successive puts go down
 * the same or neighbouring paths, whose nodes and key strings are still cached, and the more keys
 * a sorted batch holds, the closer they lie. Once `keys` changes wait, they are sorted and written
 * `step` keys after each op, so that no op of a sliced replay takes long. Tests lower both to
 * exercise the writes between records. Not part of the API.
 */
export const pendingTuning = { keys: 32_768, step: 4096 };

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
  /** Pending keys being written, in ascending order; the first `#written` of them are. */
  #writing: string[] = [];
  #written = 0;

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
    let changed = true;
    switch (op.op) {
      case "put":
        this.#pending.set(op.key, op.value);
        break;
      case "del":
        changed = this.#has(op.key);
        if (changed) this.#pending.set(op.key, DELETED);
        break;
      case "merge":
        this.#pending.set(op.key, mergedValue(this.#get(op.key), op, index));
        break;
      default:
        return false;
    }
    this.#step();
    return changed;
  }

  /** Writes every pending change to the draft, in ascending key order. */
  flush(): void {
    this.#write(this.#writing.length);
    if (this.#pending.size === 0) return;
    this.#sort();
    this.#write(this.#writing.length);
  }

  /** The collection's new version (its base itself when the draft was never changed). */
  finish(): KeyedState<V> {
    this.flush();
    return this.#transient.finish();
  }

  /** Goes on writing a sorted batch, or sorts the next one once enough changes wait. */
  #step(): void {
    if (this.#written < this.#writing.length) {
      this.#write(pendingTuning.step);
    } else if (this.#pending.size >= pendingTuning.keys) {
      this.#sort();
      this.#write(pendingTuning.step);
    }
  }

  #sort(): void {
    // Keys are strings: the default sort's order is the tree's (UTF-16 code units).
    this.#writing = [...this.#pending.keys()].sort();
    this.#written = 0;
  }

  /**
   * Writes the next `count` keys of the sorted batch with their newest pending change. A key
   * changed again after the batch was sorted is written with that change if its turn is still to
   * come; if it was written already, the change waits for a later batch.
   */
  #write(count: number): void {
    const keys = this.#writing;
    const end = Math.min(keys.length, this.#written + count);
    const draft = this.#transient.draft;
    for (let i = this.#written; i < end; i++) {
      const key = keys[i] as string;
      const value = this.#pending.get(key) as V | typeof DELETED;
      this.#pending.delete(key);
      if (value === DELETED) draft.delete(key);
      else draft.set(key, value);
    }
    this.#written = end;
    if (end === keys.length) {
      this.#writing = [];
      this.#written = 0;
    }
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
