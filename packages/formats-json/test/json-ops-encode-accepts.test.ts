import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createJsonOpsCodec, type JsonOp } from "../src/index.js";

const codec = createJsonOpsCodec();

function encodeError(index: number) {
  return expect.objectContaining({
    name: "PersistenceError",
    code: "ERR_ENCODE",
    details: { index },
  });
}

/** What encoding `ops` gives: its error, or the ops its bytes decode to (alone and in a batch). */
function roundTrip(ops: unknown[]): { error: unknown } | { decoded: unknown; batch: unknown } {
  let bytes: Uint8Array;
  try {
    bytes = codec.encode(ops as JsonOp[]);
  } catch (error) {
    return { error };
  }
  return { decoded: codec.decode(bytes), batch: codec.decodeBatch?.([bytes, bytes]) };
}

/** A value with a `toJSON` returning `result` (a plain object, or a class instance). */
function withToJson(result: unknown, plain: boolean): object {
  const toJSON = () => result;
  if (plain) return { toJSON };
  return new (class Custom {
    toJSON = toJSON;
  })();
}

/** Values `JSON.stringify` treats in every way: plain, non-JSON, and through `toJSON`. */
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 2 }),
    fc.anything({
      maxDepth: 2,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
    }),
    fc.constantFrom(undefined, Number.NaN, () => 1, Symbol("s"), "\ud800"),
    fc.tuple(tie("value"), fc.boolean()).map(([result, plain]) => withToJson(result, plain)),
  ),
})).value;

describe("json-ops encode refuses what decode would refuse", () => {
  it.each([
    ["an array", ["x"]],
    ["null", null],
    ["a string", "s"],
    ["a number", 1],
    ["undefined", undefined],
  ])("a merge whose value's toJSON returns %s is ERR_ENCODE at the call", (_what, result) => {
    const ops = [
      { op: "put", collection: "u", key: "1", value: { n: 1 } },
      { op: "merge", collection: "u", key: "1", value: withToJson(result, true) },
    ] as JsonOp[];
    expect(() => codec.encode(ops)).toThrow(encodeError(1));
    // Nothing of the refused batch leaks into the next encode.
    expect(codec.decode(codec.encode([{ op: "clear", collection: "u" }]))).toEqual([
      { op: "clear", collection: "u" },
    ]);
  });

  it("a merge whose value's toJSON returns an object encodes that object", () => {
    const value = { toJSON: () => ({ a: [1, { b: null }] }) };
    expect(codec.decode(codec.encode([{ op: "merge", collection: "u", key: "1", value }]))).toEqual(
      [{ op: "merge", collection: "u", key: "1", value: { a: [1, { b: null }] } }],
    );
  });

  it("reads the collection once: a getter cannot slip U+0000 past the check", () => {
    let reads = 0;
    const op = {
      op: "clear",
      get collection() {
        reads++;
        return reads <= 2 ? "ok" : "a\0b";
      },
    };
    const outcome = roundTrip([op]);
    if ("error" in outcome) expect(outcome.error).toEqual(encodeError(0));
    else expect(outcome.decoded).toEqual([{ op: "clear", collection: "ok" }]);
  });

  it("every batch either throws ERR_ENCODE or TypeError, or decodes to what JSON.stringify wrote (property)", () => {
    const text = fc.oneof(
      { arbitrary: fc.string({ maxLength: 4 }), weight: 9 },
      { arbitrary: fc.constantFrom("\ud800", "a\0", 1, null, undefined), weight: 1 },
    );
    const op = fc.record({
      op: fc.constantFrom("put", "merge", "del", "clear", "upsert"),
      collection: text,
      key: text,
      value: hostileValue,
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 4 }), (ops) => {
        const outcome = roundTrip(ops);
        if ("error" in outcome) {
          const error = outcome.error as { name?: unknown; code?: unknown };
          const typed = error instanceof TypeError || error.code === "ERR_ENCODE";
          if (!typed) throw outcome.error;
          return;
        }
        const expected = ops.map((op) => {
          const { value, ...rest } = op as Record<string, unknown>;
          const kind = rest.op;
          if (kind === "clear") return { op: kind, collection: rest.collection };
          if (kind === "del") return { op: kind, collection: rest.collection, key: rest.key };
          return { ...rest, value: JSON.parse(JSON.stringify(value)) as unknown };
        });
        expect(outcome.decoded).toEqual(expected);
        expect(outcome.batch).toEqual([expected, expected]);
      }),
      { numRuns: 3000 },
    );
  });
});
