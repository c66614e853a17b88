/**
 * The hash index beside a keyed state's B+ tree: a mutable map from key to value that answers the
 * point reads of exactly one version, the newest of its line (see `keyed-state.ts`). It is split
 * by key hash into {@link TABLES} open-addressing tables (`key-table.ts`) so that the doubling of a
 * growing table copies a sixteenth of the entries, not all of them, in one step.
 *
 * The index is built lazily, in steps: it covers the keys below a cursor, and each point read that
 * the tree answers copies the next {@link indexTuning}`.step` entries from the reading version's
 * tree, so no read stalls for a whole build. A change below the cursor updates the index; a change
 * at or above it does not, since the build copies that range later from the tree of the version it
 * then belongs to.
 */

import { hashKey, KeyTable, TABLES, tableOf } from "./key-table.js";

/** The build's knobs; tests lower them to exercise the index on small states. Not part of the API. */
export const indexTuning = {
  /** A version starts an index on its first point read once its tree holds this many entries. */
  minSize: 1024,
  /** Entries one point read copies into an incomplete index. */
  step: 128,
  /**
   * Point reads a version branched off an older one (its index belongs to a newer version) waits
   * before it builds one of its own: a short-lived branch never pays for a build.
   */
  branchDelay: 4096,
};

/** The subset of sorted-btree that the build reads. */
export interface IndexSource<V> {
  maxKey(): string | undefined;
  forRange(
    low: string,
    high: string,
    includeHigh: boolean,
    onFound: (key: string, value: V) => { break?: true } | undefined,
  ): unknown;
}

/** What a `forRange` callback returns to stop the scan. */
const STOP: { break: true } = { break: true };

/** What a version holds in its index slot; see `PersistentKeyedState`. */
export class HashIndex<V> {
  /** True once every entry of the owner's tree is in the index. */
  complete = false;
  /** False for the two placeholders below. */
  readonly live: boolean;
  /** The index's tables, by {@link tableOf}; read them only once {@link HashIndex.complete}. */
  readonly tables: KeyTable<V>[] = [];
  /** Keys below this one are in the index ("" before the first step: none is). */
  #cursor = "";
  /** Point reads left before the first step. */
  #delay: number;

  constructor(live: boolean, delay = 0) {
    this.live = live;
    this.#delay = delay;
  }

  /** Records `key` → `value` in the owner's new version, when the build already covers `key`. */
  set(key: string, value: V): void {
    if (this.complete || key < this.#cursor) this.#put(key, value);
  }

  #put(key: string, value: V): void {
    const hash = hashKey(key);
    (this.tables[tableOf(hash)] as KeyTable<V>).set(key, hash, value);
  }

  /** Records the removal of `key` in the owner's new version. */
  delete(key: string): void {
    if (this.complete || key < this.#cursor) {
      const hash = hashKey(key);
      this.tables[tableOf(hash)]?.delete(key, hash);
    }
  }

  /** One build step over the owner's tree: copies the next entries from the cursor on. */
  advance(tree: IndexSource<V>): void {
    if (this.#delay > 0) {
      this.#delay--;
      return;
    }
    // The tables come with the first step: a branch's index that never builds costs none.
    if (this.tables.length === 0) for (let t = 0; t < TABLES; t++) this.tables.push(new KeyTable());
    const high = tree.maxKey();
    let next: string | undefined;
    if (high !== undefined) {
      const step = indexTuning.step;
      let copied = 0;
      tree.forRange(this.#cursor, high, true, (key, value) => {
        if (copied === step) {
          next = key;
          return STOP;
        }
        this.#put(key, value);
        copied++;
        return undefined;
      });
    }
    if (next === undefined) this.complete = true;
    else this.#cursor = next;
  }

  /** Entries in the index, for tests. */
  get size(): number {
    let size = 0;
    for (const table of this.tables) size += table.size;
    return size;
  }
}

/** The slot of a version that never had an index and may start one. */
export const NO_INDEX = new HashIndex<never>(false);
/** The slot of a version whose index went to a newer version: it reads its tree from then on. */
export const RETIRED = new HashIndex<never>(false);

const DELETED: unique symbol = Symbol("deleted");

/**
 * The changes of a batch or a replay in order, kept aside and applied to the index only once the
 * new version exists, so that a throwing edit leaves the index as it was.
 */
export class IndexLog<V> {
  readonly #keys: string[] = [];
  readonly #values: (V | typeof DELETED)[] = [];

  set(key: string, value: V): void {
    this.#keys.push(key);
    this.#values.push(value);
  }

  delete(key: string): void {
    this.#keys.push(key);
    this.#values.push(DELETED);
  }

  applyTo(index: HashIndex<V>): void {
    const keys = this.#keys;
    const values = this.#values;
    for (let i = 0; i < keys.length; i++) {
      const value = values[i] as V | typeof DELETED;
      if (value === DELETED) index.delete(keys[i] as string);
      else index.set(keys[i] as string, value);
    }
  }
}
