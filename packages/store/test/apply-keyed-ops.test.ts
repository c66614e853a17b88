import type { Apply } from "@snapwrite/core";
import { isPersistenceError } from "@snapwrite/core";
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  applyKeyedOps,
  emptyCollections,
  getCollection,
  getEntry,
  type KeyedCollections,
  type KeyedOp,
} from "../src/index.js";

type Model = Map<string, Map<string, unknown>>;

function applyToModel(model: Model, ops: readonly KeyedOp[]): Model {
  const next: Model = new Map([...model].map(([c, m]) => [c, new Map(m)]));
  for (const op of ops) {
    if (op.op === "clear") {
      next.delete(op.collection);
      continue;
    }
    const coll = next.get(op.collection) ?? new Map<string, unknown>();
    if (op.op === "put") coll.set(op.key, op.value);
    else if (op.op === "del") coll.delete(op.key);
    else {
      const current = coll.get(op.key);
      if (
        current !== undefined &&
        (typeof current !== "object" || current === null || Array.isArray(current))
      ) {
        throw new Error("conflict");
      }
      coll.set(op.key, { ...(current as object), ...(op.value as object) });
    }
    if (coll.size === 0) next.delete(op.collection);
    else next.set(op.collection, coll);
  }
  return next;
}

function view(state: KeyedCollections): [string, [string, unknown][]][] {
  return Object.keys(state)
    .sort()
    .map((c) => [c, [...getCollection(state, c)]]);
}

function modelView(model: Model): [string, [string, unknown][]][] {
  return [...model.keys()]
    .sort()
    .map((c) => [
      c,
      [...(model.get(c) as Map<string, unknown>)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ]);
}

const collection = fc.constantFrom("users", "files", "constructor", "__proto__");
const key = fc.constantFrom("a", "b", "c", "toString");
const value = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 3 }),
  fc.dictionary(fc.constantFrom("x", "y", "z"), fc.integer(), { maxKeys: 3 }),
);
const op: fc.Arbitrary<KeyedOp> = fc.oneof(
  fc.record({ op: fc.constant("put" as const), collection, key, value }),
  fc.record({ op: fc.constant("del" as const), collection, key }),
  fc.record({
    op: fc.constant("merge" as const),
    collection,
    key,
    value: fc.dictionary(fc.constantFrom("x", "y", "z"), fc.integer(), { maxKeys: 3 }),
  }),
  fc.record({ op: fc.constant("clear" as const), collection }),
);

describe("applyKeyedOps", () => {
  it("is an Apply over KeyedCollections", () => {
    expectTypeOf(applyKeyedOps<unknown>).toMatchTypeOf<Apply<KeyedCollections, KeyedOp>>();
  });

  it("matches a Map-of-Maps model and never changes the state it was given (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 12 }), { maxLength: 12 }), (batches) => {
        let state = emptyCollections();
        let model: Model = new Map();
        for (const ops of batches) {
          const before = view(state);
          let expected: Model | undefined;
          try {
            expected = applyToModel(model, ops);
          } catch {
            expected = undefined;
          }
          if (expected === undefined) {
            let thrown: unknown;
            try {
              applyKeyedOps(state, ops);
            } catch (error) {
              thrown = error;
            }
            expect(isPersistenceError(thrown, "ERR_CONFLICT")).toBe(true);
            expect(view(state)).toEqual(before);
            continue;
          }
          const next = applyKeyedOps(state, ops);
          expect(view(next)).toEqual(modelView(expected));
          expect(view(state)).toEqual(before);
          expect(Object.isFrozen(next)).toBe(true);
          state = next;
          model = expected;
        }
      }),
      { numRuns: 300 },
    );
  });

  it("shallow-merges objects, stores a copy when the key is absent, and clears a collection", () => {
    const patch = { b: 2 };
    let state = applyKeyedOps(emptyCollections(), [
      { op: "put", collection: "c", key: "k", value: { a: 1, b: 1 } },
      { op: "merge", collection: "c", key: "k", value: patch },
      { op: "merge", collection: "c", key: "new", value: patch },
    ]);
    expect(getEntry(state, "c", "k")).toEqual({ a: 1, b: 2 });
    expect(getEntry(state, "c", "new")).toEqual({ b: 2 });
    expect(getEntry(state, "c", "new")).not.toBe(patch);
    state = applyKeyedOps(state, [{ op: "clear", collection: "c" }]);
    expect(Object.keys(state)).toEqual([]);
    expect(getEntry(state, "c", "k")).toBeUndefined();
    expect(getEntry(state, "constructor", "k")).toBeUndefined();
  });

  it("throws ERR_CONFLICT for a merge onto a non-object, applying nothing of the batch", () => {
    const state = applyKeyedOps(emptyCollections(), [
      { op: "put", collection: "c", key: "n", value: 5 },
    ]);
    let thrown: unknown;
    try {
      applyKeyedOps(state, [
        { op: "put", collection: "c", key: "other", value: 1 },
        { op: "merge", collection: "c", key: "n", value: { x: 1 } },
      ]);
    } catch (error) {
      thrown = error;
    }
    expect(isPersistenceError(thrown, "ERR_CONFLICT")).toBe(true);
    expect((thrown as { details: unknown }).details).toEqual({
      index: 1,
      collection: "c",
      key: "n",
    });
    expect(view(state)).toEqual([["c", [["n", 5]]]]);
  });

  it.each([
    ["an unknown op", [{ op: "upsert", collection: "c", key: "k", value: 1 }]],
    ["a numeric key", [{ op: "put", collection: "c", key: 1, value: 1 }]],
    ["a missing collection", [{ op: "clear" }]],
    ["a put of undefined", [{ op: "put", collection: "c", key: "k" }]],
    ["a merge of an array", [{ op: "merge", collection: "c", key: "k", value: [1] }]],
    ["a non-array", { op: "clear", collection: "c" }],
  ])("throws a TypeError for %s", (_name, ops) => {
    expect(() => applyKeyedOps(emptyCollections(), ops as never)).toThrow(TypeError);
  });
});
