import fc from "fast-check";
import type { JsonOp } from "../src/index.js";

/**
 * JSON values as a reopen gives them back: fast-check's `jsonValue` can hold -0, which JSON writes
 * as 0 and the ops codec therefore refuses.
 */
export const storedJsonValue = (options?: Parameters<typeof fc.jsonValue>[0]) =>
  fc.jsonValue(options).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

/** Random JSON ops (put, del, merge, clear) whose names have at most `maxName` graphemes. */
export function jsonOpArbitraries(maxName: number) {
  const name = fc.string({ maxLength: maxName, unit: "grapheme" });
  const collection = name.filter((s) => !s.includes("\0"));
  const plainObject = fc.dictionary(fc.string({ maxLength: 6 }), storedJsonValue({ maxDepth: 2 }), {
    maxKeys: 4,
  });
  const op: fc.Arbitrary<JsonOp> = fc.oneof(
    fc.record({ op: fc.constant("put" as const), collection, key: name, value: storedJsonValue() }),
    fc.record({ op: fc.constant("del" as const), collection, key: name }),
    fc.record({ op: fc.constant("merge" as const), collection, key: name, value: plainObject }),
    fc.record({ op: fc.constant("clear" as const), collection }),
  );
  return { name, collection, op };
}
