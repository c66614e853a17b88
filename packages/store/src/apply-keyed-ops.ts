import { PersistenceError } from "@snapwrite/core";
import { getCollection, type KeyedCollections, withCollection } from "./keyed-collections.js";
import type { KeyedOp } from "./keyed-op.js";
import { createKeyedState, type KeyedDraft } from "./keyed-state.js";

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Throws the `TypeError` of a malformed op. */
export function checkOp(op: unknown, index: number): asserts op is KeyedOp {
  if (typeof op !== "object" || op === null) throw new TypeError(`ops[${index}] is not an object`);
  const { op: kind, collection, key, value } = op as Record<string, unknown>;
  if (typeof collection !== "string") {
    throw new TypeError(`ops[${index}].collection must be a string`);
  }
  if (kind === "clear") return;
  if (kind !== "put" && kind !== "del" && kind !== "merge") {
    throw new TypeError(`ops[${index}].op must be "put", "del", "merge" or "clear"`);
  }
  if (typeof key !== "string") throw new TypeError(`ops[${index}].key must be a string`);
  if (kind === "put" && value === undefined) {
    throw new TypeError(`ops[${index}].value must not be undefined`);
  }
  if (kind === "merge" && !isPlainObject(value)) {
    throw new TypeError(`ops[${index}].value of a merge must be a plain object`);
  }
}

/**
 * What a `merge` (ops[`index`]) stores over `current`: a shallow merge of its value into it, or the
 * `ERR_CONFLICT` of a current value that is not a plain object.
 */
export function mergedValue<V>(
  current: V | undefined,
  op: Extract<KeyedOp<V>, { op: "merge" }>,
  index: number,
): V {
  if (current !== undefined && !isPlainObject(current)) {
    throw new PersistenceError(
      "ERR_CONFLICT",
      `cannot merge into ${JSON.stringify(op.collection)}/${JSON.stringify(op.key)}: the stored value is not a plain object`,
      { details: { index, collection: op.collection, key: op.key } },
    );
  }
  return { ...current, ...(op.value as object) } as V;
}

/** Applies one `put`, `del` or `merge` to the draft of its collection. */
export function applyOne<V>(draft: KeyedDraft<V>, op: KeyedOp<V>, index: number): void {
  switch (op.op) {
    case "put":
      draft.set(op.key, op.value);
      return;
    case "del":
      draft.delete(op.key);
      return;
    case "merge":
      draft.set(op.key, mergedValue(draft.get(op.key), op, index));
      return;
    case "clear":
      // Handled by the caller: a clear ends a run.
      return;
  }
}

/**
 * The `Apply` of {@link KeyedOp}s over {@link KeyedCollections}: returns the next state and leaves
 * `state` untouched. Consecutive ops on one collection are applied in one batch, so k ops cost
 * O(k log n) with structural sharing, never a copy of a collection.
 *
 * A malformed op (unknown `op`, a non-string collection or key, a `put` of `undefined`, a `merge`
 * whose value is not a plain object) is a `TypeError`; a `merge` onto a stored value that is not a
 * plain object is `PersistenceError` `ERR_CONFLICT` (`details: { index, collection, key }`). Either
 * way nothing is applied: the caller keeps `state`.
 */
export function applyKeyedOps<V>(
  state: KeyedCollections<V>,
  ops: readonly KeyedOp<V>[],
): KeyedCollections<V> {
  if (!Array.isArray(ops)) throw new TypeError("ops must be an array");
  ops.forEach(checkOp);
  let next = state;
  let index = 0;
  while (index < ops.length) {
    const first = ops[index] as KeyedOp<V>;
    const collection = first.collection;
    if (first.op === "clear") {
      if (Object.hasOwn(next, collection)) {
        next = withCollection(next, collection, createKeyedState<V>());
      }
      index++;
      continue;
    }
    const before = getCollection(next, collection);
    let end = index;
    const after = before.batch((draft) => {
      while (end < ops.length) {
        const op = ops[end] as KeyedOp<V>;
        if (op.collection !== collection || op.op === "clear") break;
        applyOne(draft, op, end);
        end++;
      }
    });
    if (after !== before) next = withCollection(next, collection, after);
    index = end;
  }
  return next;
}
