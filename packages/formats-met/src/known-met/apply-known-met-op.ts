import { hashKey } from "./check-known-met-op.js";
import type { KnownFileRecord } from "./known-file-record.js";
import type { KnownMetOp } from "./known-met-op.js";

/**
 * The records an op applies to, as each holder keeps them: a slot (array index or order number)
 * for the first record of every hash.
 */
export interface KnownMetSlots {
  /** Slot of the first record with hash `key`, or `undefined`. */
  firstAt(key: string): number | undefined;
  /** Puts `record`, whose hash `key` is not held, after every other record. */
  append(key: string, record: KnownFileRecord): void;
  /** Puts `record` in slot `at`, where the first record of its hash stands. */
  replace(at: number, record: KnownFileRecord): void;
  /** Empties slot `at`, the first record of hash `key`. */
  remove(key: string, at: number): void;
}

/** The hash key an op touches. */
export function opKey(op: KnownMetOp): string {
  return hashKey(op.op === "upsert" ? op.record.hash : op.hash);
}

/**
 * Applies one checked op by the rules of `applyKnownMetOps`, once the later duplicates of its
 * hash are dealt with: `upsert` replaces the first record of the hash where it stands or appends a
 * new hash; `remove` empties the first record's slot, and a hash not held is a no-op.
 */
export function applyKnownMetOp(slots: KnownMetSlots, op: KnownMetOp, key: string): void {
  const at = slots.firstAt(key);
  if (op.op === "upsert") {
    if (at === undefined) slots.append(key, op.record);
    else slots.replace(at, op.record);
  } else if (at !== undefined) {
    slots.remove(key, at);
  }
}

/** A record list in slots: an array (`undefined` once removed) and the slot of each hash's first record. */
export interface ArraySlotsState {
  readonly slots: (KnownFileRecord | undefined)[];
  readonly first: Map<string, number>;
}

/**
 * The {@link KnownMetSlots} of an array of slots, read through `state` each time (its arrays may
 * be replaced between calls); `onRemove` runs after each emptied slot.
 */
export function arraySlots(state: ArraySlotsState, onRemove?: () => void): KnownMetSlots {
  return {
    firstAt: (key) => state.first.get(key),
    append: (key, record) => {
      state.first.set(key, state.slots.length);
      state.slots.push(record);
    },
    replace: (at, record) => {
      state.slots[at] = record;
    },
    remove: (key, at) => {
      state.slots[at] = undefined;
      state.first.delete(key);
      onRemove?.();
    },
  };
}
