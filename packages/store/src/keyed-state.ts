import BTreeModule from "sorted-btree";

// sorted-btree is CommonJS with `exports.default = BTree`: Node's ES module import sees
// `module.exports`, while bundlers and test runners that apply CommonJS interop see the class.
const BTree: typeof BTreeModule.default =
  (BTreeModule as { default?: typeof BTreeModule.default }).default ??
  (BTreeModule as unknown as typeof BTreeModule.default);
type Tree<V> = InstanceType<typeof BTree<string, V>>;

// Plain UTF-16 code-unit order, the order of `<` on strings and of `[...keys].sort()`.
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string") throw new TypeError(`keys must be strings, got ${typeof key}`);
}

/**
 * The mutable view a {@link KeyedState.batch} callback gets: the same reads, plus in-place `set`
 * and `delete`. It is only valid during the callback.
 */
export interface KeyedDraft<V> {
  /** Entries now. */
  readonly size: number;
  /** The value stored under `key`, or `undefined`. */
  get(key: string): V | undefined;
  /** True when `key` is present. */
  has(key: string): boolean;
  /** Stores `value` under `key`. */
  set(key: string, value: V): void;
  /** Removes `key`; true when it was present. */
  delete(key: string): boolean;
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
  /** The value stored under `key`, or `undefined`. O(log n). */
  get(key: string): V | undefined;
  /** True when `key` is present. O(log n). */
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

class PersistentKeyedState<V> implements KeyedState<V> {
  readonly #tree: Tree<V>;

  constructor(tree: Tree<V>) {
    this.#tree = tree;
  }

  static tree<V>(state: KeyedState<V>): Tree<V> | undefined {
    return state instanceof PersistentKeyedState ? state.#tree : undefined;
  }

  get size(): number {
    return this.#tree.size;
  }

  get(key: string): V | undefined {
    return this.#tree.get(key);
  }

  has(key: string): boolean {
    return this.#tree.has(key);
  }

  put(key: string, value: V): KeyedState<V> {
    checkKey(key);
    return new PersistentKeyedState(this.#tree.with(key, value, true) as Tree<V>);
  }

  delete(key: string): KeyedState<V> {
    if (!this.#tree.has(key)) return this;
    return new PersistentKeyedState(this.#tree.without(key));
  }

  batch(edit: (draft: KeyedDraft<V>) => void): KeyedState<V> {
    if (typeof edit !== "function") throw new TypeError("batch needs a function");
    // clone() is O(1): it marks the root shared, and the copy copies a node the first time it
    // changes it; nodes it made itself are then changed in place.
    const tree = this.#tree.clone();
    let changed = false;
    let open = true;
    const live = (): Tree<V> => {
      if (!open) throw new TypeError("a KeyedDraft is only valid inside its batch() callback");
      return tree;
    };
    const draft: KeyedDraft<V> = {
      get size() {
        return live().size;
      },
      get: (key) => live().get(key),
      has: (key) => live().has(key),
      set(key, value) {
        checkKey(key);
        live().set(key, value, true);
        changed = true;
      },
      delete(key) {
        const removed = live().delete(key);
        changed ||= removed;
        return removed;
      },
    };
    try {
      edit(draft);
    } finally {
      open = false;
    }
    return changed ? new PersistentKeyedState(tree) : this;
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
 * Building from n entries costs O(n log n) and makes no intermediate versions.
 */
export function createKeyedState<V>(entries?: Iterable<readonly [string, V]>): KeyedState<V> {
  const tree: Tree<V> = new BTree<string, V>(undefined, compareKeys);
  if (entries !== undefined) {
    if (typeof entries !== "object" || entries === null || !(Symbol.iterator in entries)) {
      throw new TypeError("createKeyedState: entries must be an iterable of [key, value] pairs");
    }
    let index = 0;
    for (const entry of entries as Iterable<unknown>) {
      // Exactly a pair: a string ("abc") or a 1- or 3-element array is not an entry.
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new TypeError(
          `createKeyedState: entry ${index} must be a [key, value] pair, got ${describeEntry(entry)}`,
        );
      }
      const [key, value] = entry as [string, V];
      checkKey(key);
      tree.set(key, value, true);
      index++;
    }
  }
  return new PersistentKeyedState(tree);
}

function describeEntry(entry: unknown): string {
  if (Array.isArray(entry)) return `an array of ${entry.length}`;
  return entry === null ? "null" : typeof entry;
}

/** True when `value` is a {@link KeyedState} made by this package. */
export function isKeyedState(value: unknown): value is KeyedState<unknown> {
  return value instanceof PersistentKeyedState;
}

/** The B+ tree behind a state, for tests that check structural sharing. Not part of the API. */
export function keyedStateTree<V>(state: KeyedState<V>): Tree<V> | undefined {
  return PersistentKeyedState.tree(state);
}
