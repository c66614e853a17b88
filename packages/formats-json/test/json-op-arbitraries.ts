import fc from "fast-check";
import type { JsonOp } from "../src/index.js";

/** Random JSON ops (put, del, merge, clear) whose names have at most `maxName` graphemes. */
export function jsonOpArbitraries(maxName: number) {
  const name = fc.string({ maxLength: maxName, unit: "grapheme" });
  const collection = name.filter((s) => !s.includes("\0"));
  const plainObject = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), {
    maxKeys: 4,
  });
  const op: fc.Arbitrary<JsonOp> = fc.oneof(
    fc.record({ op: fc.constant("put" as const), collection, key: name, value: fc.jsonValue() }),
    fc.record({ op: fc.constant("del" as const), collection, key: name }),
    fc.record({ op: fc.constant("merge" as const), collection, key: name, value: plainObject }),
    fc.record({ op: fc.constant("clear" as const), collection }),
  );
  return { name, collection, op };
}
