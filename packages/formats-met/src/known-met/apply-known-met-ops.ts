import { applyKnownMetOp, arraySlots, opKey } from "./apply-known-met-op.js";
import { checkKnownMetOp, hashKey } from "./check-known-met-op.js";
import type { KnownFileRecord } from "./known-file-record.js";
import type { KnownMetOp } from "./known-met-op.js";

/**
 * Applies {@link KnownMetOp}s to a known.met record list and returns the new list; `records` is
 * not changed, and the records themselves are shared, never copied. The order is the one the
 * known.met encoder writes:
 *
 * - `upsert` replaces the first record with the same hash where it stands and drops any later
 *   duplicate of that hash (decoded files may hold duplicates); a new hash is appended at the end.
 * - `remove` removes every record with the hash. A hash that is not there is not an error: the op
 *   is a no-op, as for the known.met replica, so a coalesced backlog (`knownMetOps.keyOf`) always
 *   applies. There are no preconditions, so this never throws `ERR_CONFLICT`.
 *
 * Cost: O(records + ops) per call (one pass to index the hashes, one to build the new array); batch
 * ops into one call. A malformed op is a `TypeError`, and nothing is applied.
 *
 * For a large library kept in a durable store, use a `KnownMetState` instead
 * (`applyKnownMetStateOps` with `knownMetStateCodec`): same records, order and file bytes, but an
 * apply costs O(ops · log records) and shares every untouched part of the previous state, where
 * this function copies the whole list on every commit.
 */
export function applyKnownMetOps(
  records: readonly KnownFileRecord[],
  ops: readonly KnownMetOp[],
): readonly KnownFileRecord[] {
  if (!Array.isArray(records)) throw new TypeError("records must be an array");
  if (!Array.isArray(ops)) throw new TypeError("ops must be an array");
  ops.forEach(checkKnownMetOp);
  if (ops.length === 0) return records;
  // Each slot is a record, or undefined once removed; `first` maps a hash to its slot.
  const slots: (KnownFileRecord | undefined)[] = [];
  const first = new Map<string, number>();
  for (const record of records) {
    const key = hashKey(record.hash);
    if (first.has(key)) {
      // A later duplicate: kept until an op touches its hash.
      slots.push(record);
      continue;
    }
    first.set(key, slots.length);
    slots.push(record);
  }
  const touched = new Set<string>();
  const target = arraySlots({ slots, first });
  for (const op of ops) {
    const key = opKey(op);
    touched.add(key);
    applyKnownMetOp(target, op, key);
  }
  const next: KnownFileRecord[] = [];
  for (let i = 0; i < slots.length; i++) {
    const record = slots[i];
    if (record === undefined) continue;
    const key = hashKey(record.hash);
    // Duplicates of a touched hash go: only the slot `first` points at survives.
    if (touched.has(key) && first.get(key) !== i) continue;
    next.push(record);
  }
  return Object.freeze(next);
}
