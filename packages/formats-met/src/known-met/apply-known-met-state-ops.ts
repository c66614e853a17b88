import { applyKnownMetOp, type KnownMetSlots, opKey } from "./apply-known-met-op.js";
import { checkKnownMetOp } from "./check-known-met-op.js";
import type { KnownMetOp } from "./known-met-op.js";
import { type KnownMetState, knownMetStateOf, knownMetStateParts } from "./known-met-state.js";

/**
 * Applies {@link KnownMetOp}s to a {@link KnownMetState} and returns the new state, with exactly
 * the rules of `applyKnownMetOps` (same records, same order, same file bytes):
 *
 * - `upsert` replaces the first record with the same hash where it stands and drops any later
 *   duplicate of that hash (a loaded file may hold duplicates); a new hash is appended at the end.
 * - `remove` removes every record with the hash; a hash that is not there is a no-op.
 *
 * Cost: O(ops · log size). `state` is not changed: the new state copies only the B+ tree nodes on
 * the paths it changes (each at most once per call) and shares all the others, so a put on a
 * million-record state copies a few dozen small nodes, not the list. Returns `state` itself for
 * no ops. A malformed op is a `TypeError`, and nothing is applied.
 */
export function applyKnownMetStateOps(
  state: KnownMetState,
  ops: readonly KnownMetOp[],
): KnownMetState {
  const parts = knownMetStateParts(state);
  if (parts === undefined) throw new TypeError("state must be a KnownMetState");
  if (!Array.isArray(ops)) throw new TypeError("ops must be an array");
  ops.forEach(checkKnownMetOp);
  if (ops.length === 0) return state;
  // clone() is O(1): it marks the root shared, and each node is copied the first time it changes.
  const byOrder = parts.byOrder.clone();
  const firstOf = parts.firstOf.clone();
  let later = parts.later;
  let next = parts.next;
  const target: KnownMetSlots = {
    firstAt: (key) => firstOf.get(key),
    append: (key, record) => {
      firstOf.set(key, next);
      byOrder.set(next, record);
      next++;
    },
    replace: (at, record) => byOrder.set(at, record, true),
    remove: (key, at) => {
      byOrder.delete(at);
      firstOf.delete(key);
    },
  };
  for (const op of ops) {
    const key = opKey(op);
    const duplicates = later.get(key);
    if (duplicates !== undefined) {
      // Rare (only a loaded file has duplicates): the small side map is copied, not shared.
      const rest = new Map(later);
      rest.delete(key);
      later = rest;
      for (const order of duplicates) byOrder.delete(order);
    }
    applyKnownMetOp(target, op, key);
  }
  return knownMetStateOf({ header: parts.header, byOrder, firstOf, later, next });
}
