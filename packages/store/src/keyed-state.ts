import BTreeModule from "sorted-btree";
import { bulkLoad } from "sorted-btree/extended/bulkLoad.js";
import { hashKey, type KeyTable, tableOf } from "./key-table.js";
import { checkKey, type KeyedDraft, TreeDraft } from "./keyed-draft.js";
import { HashIndex, IndexLog, indexTuning, NO_INDEX, RETIRED } from "./keyed-index.js";
import { replaceSharedValue } from "./replace-value.js";

export type { KeyedDraft } from "./keyed-draft.js";

// sorted-btree is CommonJS with `exports.default = BTree`: Node's ES module import sees
// `module.exports`, while bundlers and test runners that apply CommonJS interop see the class.
const BTree: typeof BTreeModule.default =
  (BTreeModule as { default?: typeof BTreeModule.default }).default ??
  (BTreeModule as unknown as typeof BTreeModule.default);
type Tree<V> = InstanceType<typeof BTree<string, V>>;

// sorted-btree's default branching factor, which `new BTree()` uses too.
const NODE_SIZE = 32;

// Plain UTF-16 code-unit order, the order of `<` on strings and of `[...keys].sort()`.
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An immutable map from string keys to values with structural sharing: `put` and `delete` return a
 * new version in O(log n) time and memory, sharing every untouched node with the old version, which
 * stays unchanged. Iteration is in ascending key order by UTF-16 code units (the order of `<` on
 * strings and of `Array.prototype.sort()`), whatever the order of insertion.
 */
export interface KeyedState<V> extends Iterable<[string, V]> {
  /** Number of entries, O(1). */
  readonly size: number;
  /**
   * The value stored under `key`, or `undefined`. O(1) on the newest version of a line once its
   * hash index is built (the first reads build it), else O(log n); see `keyed-index.ts`.
   */
  get(key: string): V | undefined;
  /** True when `key` is present. Costs what {@link KeyedState.get} does. */
  has(key: string): boolean;
  /** A version with `value` under `key` (added or replaced). O(log n); `this` is unchanged. */
  put(key: string, value: V): KeyedState<V>;
  /** A version without `key`; `this` itself when `key` is absent. O(log n). */
  delete(key: string): KeyedState<V>;
  /**
   * Many changes at once: `edit` gets a draft that copies each shared node at most once, so k
   * changes cost O(k log n) without a new version per change. Returns the new version (`this` when
   * nothing changed). The draft must not be used after `edit` returns; a throw from `edit` leaves
   * no new version behind.
   */
  batch(edit: (draft: KeyedDraft<V>) => void): KeyedState<V>;
  /** Keys in ascending order. */
  keys(): IterableIterator<string>;
  /** Values in key order. */
  values(): IterableIterator<V>;
  /** `[key, value]` pairs in key order. */
  entries(): IterableIterator<[string, V]>;
  /** Same as {@link KeyedState.entries}. */
  [Symbol.iterator](): IterableIterator<[string, V]>;
}

/**
 * One version: a B+ tree, shared structurally with the other versions, and the slot of the hash
 * index (`keyed-index.ts`). A line of versions made one from the other (`put`, `delete`, `batch`, a
 * replay's `finish`) shares one index, which always answers for the newest version of the line: a
 * new version takes it over from the version it was made from, which is then `RETIRED` and reads
 * its own tree, so an old version never sees a newer one's data. A version made from a retired one
 * (a branch) starts an index of its own after `indexTuning.branchDelay` point reads.
 */
class PersistentKeyedState<V> implements KeyedState<V> {
  readonly #tree: Tree<V>;
  #index: HashIndex<V>;
  /** The index's tables while this version owns it and it is complete: the read's fast path. */
  #tables: KeyTable<V>[] | undefined;

  constructor(tree: Tree<V>, index: HashIndex<V>) {
    this.#tree = tree;
    this.#index = index;
    this.#tables = index.complete ? index.tables : undefined;
  }

  static tree<V>(state: KeyedState<V>): Tree<V> | undefined {
    return state instanceof PersistentKeyedState ? state.#tree : undefined;
  }

  static index<V>(state: KeyedState<V>): HashIndex<V> | undefined {
    return state instanceof PersistentKeyedState ? state.#index : undefined;
  }

  get size(): number {
    return this.#tree.size;
  }

  get(key: string): V | undefined {
    const tables = this.#tables;
    if (tables !== undefined && typeof key === "string") {
      const hash = hashKey(key);
      return (tables[tableOf(hash)] as KeyTable<V>).get(key, hash);
    }
    return this.#treeGet(key);
  }

  has(key: string): boolean {
    const tables = this.#tables;
    if (tables !== undefined && typeof key === "string") {
      const hash = hashKey(key);
      return (tables[tableOf(hash)] as KeyTable<V>).has(key, hash);
    }
    return this.#treeHas(key);
  }

  // The slow paths stay out of get() and has(), which stay small enough to inline.
  #treeGet(key: string): V | undefined {
    checkKey(key);
    this.#advance();
    return this.#tree.get(key);
  }

  #treeHas(key: string): boolean {
    checkKey(key);
    this.#advance();
    return this.#tree.has(key);
  }

  /** One build step of this version's index, started first when this version may have one. */
  #advance(): void {
    let index = this.#index;
    if (!index.live) {
      if (index === RETIRED || this.#tree.size < indexTuning.minSize) return;
      index = new HashIndex<V>(true);
      this.#index = index;
    }
    index.advance(this.#tree);
    if (index.complete) this.#tables = index.tables;
  }

  /**
   * The index slot of a new version made from this one, whose slot was `from` when it began: this
   * version's index when it still owns it (then this version retires), else a branch's.
   */
  #handOver(from: HashIndex<V>): HashIndex<V> {
    const index = this.#index;
    if (index !== from || index === RETIRED) {
      return this.#tree.size < indexTuning.minSize
        ? NO_INDEX
        : new HashIndex<V>(true, indexTuning.branchDelay);
    }
    this.#index = RETIRED;
    this.#tables = undefined;
    return index;
  }

  put(key: string, value: V): KeyedState<V> {
    checkKey(key);
    const tree = this.#tree.clone() as Tree<V>;
    if (!replaceSharedValue(tree, key, value)) tree.set(key, value, true);
    const index = this.#handOver(this.#index);
    index.set(key, value);
    return new PersistentKeyedState(tree, index);
  }

  delete(key: string): KeyedState<V> {
    checkKey(key);
    if (!this.#tree.has(key)) return this;
    const tree = this.#tree.without(key);
    const index = this.#handOver(this.#index);
    index.delete(key);
    return new PersistentKeyedState(tree, index);
  }

  batch(edit: (draft: KeyedDraft<V>) => void): KeyedState<V> {
    if (typeof edit !== "function") throw new TypeError("batch needs a function");
    const from = this.#index;
    const draft = this.#draft(from);
    try {
      edit(draft);
    } finally {
      draft.close();
    }
    return draft.changes > 0 ? this.#finish(draft, from) : this;
  }

  /** A draft over a copy-on-write clone of this version's tree. */
  #draft(from: HashIndex<V>): TreeDraft<V, Tree<V>> {
    // clone() is O(1): it marks the root shared, and the copy copies a node the first time it
    // changes it; nodes it made itself are then changed in place.
    return new TreeDraft(this.#tree.clone(), from.live ? new IndexLog<V>() : undefined);
  }

  /** The version a closed draft with changes made; its log reaches the index only now. */
  #finish(draft: TreeDraft<V, Tree<V>>, from: HashIndex<V>): KeyedState<V> {
    const index = this.#handOver(from);
    if (index === from) draft.log?.applyTo(index);
    return new PersistentKeyedState(draft.tree, index);
  }

  /** See {@link openKeyedTransient}. */
  openTransient(): KeyedTransient<V> {
    const from = this.#index;
    const draft = this.#draft(from);
    return {
      draft,
      get changes() {
        return draft.changes;
      },
      finish: () => {
        draft.close();
        return draft.changes > 0 ? this.#finish(draft, from) : this;
      },
    };
  }

  keys(): IterableIterator<string> {
    return this.#tree.keys();
  }

  values(): IterableIterator<V> {
    return this.#tree.values();
  }

  entries(): IterableIterator<[string, V]> {
    return this.#tree.entries() as IterableIterator<[string, V]>;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }
}

/**
 * Creates a {@link KeyedState}, empty or filled from `entries` (a later duplicate key wins).
 * Building from n entries costs O(n log n), O(n) when they come in ascending key order (a
 * snapshot's), and makes no intermediate versions.
 */
export function createKeyedState<V>(entries?: Iterable<readonly [string, V]>): KeyedState<V> {
  if (entries === undefined)
    return new PersistentKeyedState(new BTree<string, V>(undefined, compareKeys), NO_INDEX);
  if (typeof entries !== "object" || entries === null || !(Symbol.iterator in entries)) {
    throw new TypeError("createKeyedState: entries must be an iterable of [key, value] pairs");
  }
  const keys: string[] = [];
  const values: V[] = [];
  let ascending = true;
  for (const entry of entries as Iterable<unknown>) {
    // Exactly a pair: a string ("abc") or a 1- or 3-element array is not an entry.
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new TypeError(
        `createKeyedState: entry ${keys.length} must be a [key, value] pair, got ${describeEntry(entry)}`,
      );
    }
    const [key, value] = entry as [string, V];
    checkKey(key);
    if (ascending && keys.length > 0 && !((keys[keys.length - 1] as string) < key)) {
      ascending = false;
    }
    keys.push(key);
    values.push(value);
  }
  if (ascending && keys.length > 0) {
    return new PersistentKeyedState(
      bulkLoad(keys, values, NODE_SIZE, compareKeys) as Tree<V>,
      NO_INDEX,
    );
  }
  const tree: Tree<V> = new BTree<string, V>(undefined, compareKeys);
  for (let i = 0; i < keys.length; i++) tree.set(keys[i] as string, values[i] as V, true);
  return new PersistentKeyedState(tree, NO_INDEX);
}

function describeEntry(entry: unknown): string {
  if (Array.isArray(entry)) return `an array of ${entry.length}`;
  return entry === null ? "null" : typeof entry;
}

/**
 * A draft that outlives a callback, for a caller that alone holds it (a replay): `draft` changes a
 * copy-on-write clone of `state` in place (each shared node is copied at most once), `changes`
 * counts its `set`s and effective `delete`s, and `finish()` closes it and returns the new version
 * (`state` itself when nothing changed). `state` is never changed. Not part of the API.
 */
export interface KeyedTransient<V> {
  readonly draft: KeyedDraft<V>;
  readonly changes: number;
  finish(): KeyedState<V>;
}

/** Opens a {@link KeyedTransient} over `state`. */
export function openKeyedTransient<V>(state: KeyedState<V>): KeyedTransient<V> {
  const base = state instanceof PersistentKeyedState ? state : createKeyedState(state);
  return (base as PersistentKeyedState<V>).openTransient();
}

/** True when `value` is a {@link KeyedState} made by this package. */
export function isKeyedState(value: unknown): value is KeyedState<unknown> {
  return value instanceof PersistentKeyedState;
}

/** The B+ tree behind a state, for tests that check structural sharing. Not part of the API. */
export function keyedStateTree<V>(state: KeyedState<V>): Tree<V> | undefined {
  return PersistentKeyedState.tree(state);
}

/** The hash index slot of a state, for tests. Not part of the API. */
export function keyedStateIndex<V>(state: KeyedState<V>): HashIndex<V> | undefined {
  return PersistentKeyedState.index(state);
}
