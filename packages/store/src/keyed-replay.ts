import { checkOp } from "./apply-keyed-ops.js";
import type { Replay, ReplayRun } from "./durable-store-types.js";
import type { KeyedCollections } from "./keyed-collections.js";
import type { KeyedOp } from "./keyed-op.js";
import { PendingCollection } from "./keyed-replay-pending.js";
import { createKeyedState, type KeyedState } from "./keyed-state.js";

/** A collection as the run sees it: untouched (the base's own state) or open for changes. */
type Slot<V> = KeyedState<V> | PendingCollection<V>;

/**
 * A replay run over {@link KeyedCollections}: each collection it changes is one copy-on-write
 * draft for the whole run, so n records cost one copy of each node they touch instead of one new
 * root-to-leaf path per record, and its changes reach the draft in batches sorted by key (see
 * {@link PendingCollection}). The collections keep the order `applyKeyedOps` would give them (a
 * collection that changes moves to the end, an emptied one leaves), so the result encodes to the
 * same bytes.
 */
class KeyedCollectionsRun<V> implements ReplayRun<KeyedCollections<V>, KeyedOp<V>> {
  readonly #base: KeyedCollections<V>;
  readonly #slots = new Map<string, Slot<V>>();
  /** The name of the last slot in `#slots`' order, so re-adding it last can be skipped. */
  #last: string | undefined;
  #changed = false;

  constructor(base: KeyedCollections<V>) {
    this.#base = base;
    for (const name of Object.keys(base)) {
      this.#slots.set(name, base[name] as KeyedState<V>);
      this.#last = name;
    }
  }

  apply(ops: readonly KeyedOp<V>[]): void {
    if (!Array.isArray(ops)) throw new TypeError("ops must be an array");
    ops.forEach(checkOp);
    let index = 0;
    while (index < ops.length) {
      const first = ops[index] as KeyedOp<V>;
      if (first.op === "clear") {
        this.#clear(first.collection);
        index++;
      } else {
        index = this.#applyRun(first.collection, ops, index);
      }
    }
  }

  finish(): KeyedCollections<V> {
    if (!this.#changed) return this.#base;
    const next = Object.create(null) as Record<string, KeyedState<V>>;
    for (const [name, slot] of this.#slots) {
      const state = slot instanceof PendingCollection ? slot.finish() : slot;
      if (state.size > 0) next[name] = state;
    }
    return Object.freeze(next);
  }

  #clear(collection: string): void {
    const slot = this.#slots.get(collection);
    if (slot === undefined || slot.size === 0) return;
    this.#moveLast(collection, new PendingCollection(createKeyedState<V>()));
    this.#changed = true;
  }

  /** Applies the ops from `start` on that address `collection`, up to a clear; returns the end. */
  #applyRun(collection: string, ops: readonly KeyedOp<V>[], start: number): number {
    const open = this.#open(collection);
    let changed = false;
    let end = start;
    while (end < ops.length) {
      const op = ops[end] as KeyedOp<V>;
      if (op.collection !== collection || op.op === "clear") break;
      if (open.apply(op, end)) changed = true;
      end++;
    }
    if (changed) {
      // applyKeyedOps re-adds a changed collection last.
      if (collection !== this.#last) this.#moveLast(collection, open);
      this.#changed = true;
    }
    return end;
  }

  #moveLast(collection: string, slot: Slot<V>): void {
    this.#slots.delete(collection);
    this.#slots.set(collection, slot);
    this.#last = collection;
  }

  #open(collection: string): PendingCollection<V> {
    const slot = this.#slots.get(collection);
    if (slot instanceof PendingCollection) return slot;
    const open = new PendingCollection(slot ?? createKeyedState<V>());
    // A new name goes last; a base collection keeps its place until it changes.
    if (slot === undefined) this.#moveLast(collection, open);
    else this.#slots.set(collection, open);
    return open;
  }
}

/**
 * The {@link Replay} of `applyKeyedOps`: give it as the store's `replay` option next to
 * `apply: applyKeyedOps`. Each run reaches exactly the state `applyKeyedOps` would, record by
 * record, and throws the same errors.
 */
export const replayKeyedOps: Replay<KeyedCollections, KeyedOp> = Object.freeze({
  begin: (state: KeyedCollections) => new KeyedCollectionsRun(state),
});
