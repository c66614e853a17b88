import type { IndexLog } from "./keyed-index.js";
import { replaceSharedValue } from "./replace-value.js";

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

/** The part of sorted-btree a draft changes in place. */
export interface DraftTree<V> {
  readonly size: number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  set(key: string, value: V, overwrite?: boolean): boolean;
  delete(key: string): boolean;
}

export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== "string") throw new TypeError(`keys must be strings, got ${typeof key}`);
}

/**
 * The in-place view of a tree nobody else changes: a {@link KeyedDraft} until `close()`. When the
 * version it starts from owns a hash index, `log` keeps its changes for the index, which takes
 * them only once the new version exists.
 */
export class TreeDraft<V, T extends DraftTree<V> = DraftTree<V>> implements KeyedDraft<V> {
  readonly tree: T;
  readonly log: IndexLog<V> | undefined;
  /** Calls of `set`, plus `delete`s that removed a key. */
  changes = 0;
  #open = true;

  constructor(tree: T, log: IndexLog<V> | undefined) {
    this.tree = tree;
    this.log = log;
  }

  #live(): T {
    if (!this.#open) throw new TypeError("a KeyedDraft is only valid inside its batch() callback");
    return this.tree;
  }

  get size(): number {
    return this.#live().size;
  }

  get(key: string): V | undefined {
    checkKey(key);
    return this.#live().get(key);
  }

  has(key: string): boolean {
    checkKey(key);
    return this.#live().has(key);
  }

  set(key: string, value: V): void {
    checkKey(key);
    const tree = this.#live();
    // The first change copies the shared path; replacing a value, it keeps the path's keys arrays.
    // Later changes find that path marked shared and copy it once more, then change it in place.
    if (this.changes > 0 || !replaceSharedValue(tree, key, value)) tree.set(key, value, true);
    this.log?.set(key, value);
    this.changes++;
  }

  delete(key: string): boolean {
    checkKey(key);
    const removed = this.#live().delete(key);
    if (removed) {
      this.log?.delete(key);
      this.changes++;
    }
    return removed;
  }

  close(): void {
    this.#open = false;
  }
}
