import { isPersistenceError } from "@snapwrite/core";
import { createJsonOpsCodec, type JsonOp } from "@snapwrite/formats-json";
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  applyKeyedOps,
  emptyCollections,
  getCollection,
  type KeyedCollections,
  type KeyedOp,
} from "../src/index.js";

const codec = createJsonOpsCodec();
const keyOf = codec.keyOf as (op: JsonOp) => string | undefined;

const collection = fc.constantFrom("users", "files");
const key = fc.constantFrom("a", "b");
const object = fc.dictionary(fc.constantFrom("x", "y"), fc.integer(), { maxKeys: 2 });
const op: fc.Arbitrary<JsonOp> = fc.oneof(
  fc.record({
    op: fc.constant("put" as const),
    collection,
    key,
    value: fc.oneof(fc.integer(), object),
  }),
  fc.record({ op: fc.constant("del" as const), collection, key }),
  fc.record({ op: fc.constant("merge" as const), collection, key, value: object }),
  fc.record({ op: fc.constant("clear" as const), collection }),
);

function view(state: KeyedCollections): unknown {
  return Object.keys(state)
    .sort()
    .map((c) => [c, [...getCollection(state, c)]]);
}

/** The outcome of applying, as a value: the state, or the error code. */
function outcome(ops: readonly KeyedOp[]): unknown {
  try {
    return view(applyKeyedOps(emptyCollections(), ops));
  } catch (error) {
    if (isPersistenceError(error)) return error.code;
    throw error;
  }
}

/** The coalescing rule of OpsCodec: drop a keyed op when a later op has its key and no unkeyed op lies between. */
function coalesce(ops: readonly JsonOp[]): JsonOp[] {
  return ops.filter((current, i) => {
    const k = keyOf(current);
    if (k === undefined) return true;
    for (const later of ops.slice(i + 1)) {
      const laterKey = keyOf(later);
      if (laterKey === undefined) return true;
      if (laterKey === k) return false;
    }
    return true;
  });
}

describe("JSON ops from @snapwrite/formats-json", () => {
  it("are KeyedOps", () => {
    expectTypeOf<JsonOp>().toEqualTypeOf<KeyedOp>();
  });

  it("apply the same after an encode/decode round trip (property)", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        expect(outcome(codec.decode(codec.encode(ops)))).toEqual(outcome(ops));
      }),
      { numRuns: 500 },
    );
  });

  it("apply the same after coalescing by keyOf (property)", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        expect(outcome(coalesce(ops))).toEqual(outcome(ops));
      }),
      { numRuns: 1000 },
    );
  });
});
