import { byteDamage, damageBytes } from "@snapwrite/testkit/checks";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createJsonOpsCodec, type JsonOp } from "../src/index.js";
import { jsonOpArbitraries } from "./json-op-arbitraries.js";

const codec = createJsonOpsCodec();
const decodeBatch = (payloads: readonly Uint8Array[]) => {
  if (codec.decodeBatch === undefined) throw new Error("the JSON ops codec decodes batches");
  return codec.decodeBatch(payloads);
};

const { op } = jsonOpArbitraries(8);
const payloads = fc.array(
  fc.array(op, { maxLength: 5 }).map((list) => codec.encode(list)),
  { maxLength: 12 },
);

/** One put frame whose value is the raw text `value` (not necessarily JSON). */
function rawPut(value: string, kind = 1): Uint8Array {
  const body = Buffer.concat([
    Buffer.of(kind),
    Buffer.of(1, 0, 0, 0),
    Buffer.from("c"),
    Buffer.of(1, 0, 0, 0),
    Buffer.from("k"),
    Buffer.from(value),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.byteLength);
  return Uint8Array.from(Buffer.concat([Buffer.of(1), length, body]));
}

/** What `decode` gives each payload, or the first error. */
function oneByOne(list: readonly Uint8Array[]): { ops?: JsonOp[][]; error?: unknown } {
  try {
    return { ops: list.map((bytes) => codec.decode(bytes)) };
  } catch (error) {
    return { error };
  }
}

describe("createJsonOpsCodec().decodeBatch", () => {
  it("gives what decode gives each payload (property)", () => {
    fc.assert(
      fc.property(payloads, (list) => {
        expect(decodeBatch(list)).toEqual(list.map((bytes) => codec.decode(bytes)));
      }),
      { numRuns: 500 },
    );
  });

  it("decodes repeated, alternating and prefix collections as written, across payloads", () => {
    const names = [
      "a",
      "ab",
      "a",
      "a",
      "é",
      "é",
      "",
      "ab",
      "b",
      "a".repeat(70),
      "a".repeat(70),
      "a",
    ];
    const list = names.map((collection, i) =>
      codec.encode([
        { op: "put", collection, key: `k${i}`, value: i },
        { op: "clear", collection },
      ]),
    );
    const expected = names.map((collection, i) => [
      { op: "put", collection, key: `k${i}`, value: i },
      { op: "clear", collection },
    ]);
    expect(list.map((bytes) => codec.decode(bytes))).toEqual(expected);
    expect(decodeBatch(list)).toEqual(expected);
  });

  it("throws where a value parses only joined to its neighbours", () => {
    for (const pair of [
      ["1,[2", "3]"],
      ['1,"a', 'b"'],
      ["[1", "2]"],
      ["{", "}"],
      ['"\\', '"'],
      ["1]", "[2"],
    ]) {
      const list = pair.map((value) => rawPut(value));
      expect(oneByOne(list).error).toBeDefined();
      expect(() => decodeBatch(list)).toThrow();
    }
    // Self-contained values with commas, brackets and escapes inside strings do join.
    const list = ['"a,]}\\"["', '{"x":[1,{"y":"}"}]}', "  7 ", '"é\\u0000"'].map((v) => rawPut(v));
    expect(decodeBatch(list)).toEqual(oneByOne(list).ops);
  });

  it("throws for a merge value that is not an object and for bytes that are not UTF-8", () => {
    expect(() => decodeBatch([rawPut("[1]", 3)])).toThrow();
    const invalid = rawPut('"x"');
    invalid[invalid.length - 2] = 0xff;
    expect(oneByOne([invalid]).error).toBeDefined();
    expect(() => decodeBatch([rawPut("1"), invalid])).toThrow();
  });

  it("decodes damaged batches as decode does, or throws when decode would (fuzz)", () => {
    const pool = fc
      .sample(fc.array(op, { maxLength: 4 }), { numRuns: 200, seed: 7 })
      .map((list) => codec.encode(list));
    fc.assert(
      fc.property(
        fc.array(fc.nat(pool.length - 1), { minLength: 1, maxLength: 6 }),
        fc.nat(5),
        fc.array(byteDamage, { minLength: 1, maxLength: 3 }),
        (picks, damaged, damages) => {
          const list = picks.map((pick, i) => {
            const bytes = pool[pick] as Uint8Array;
            return i === damaged % picks.length ? damageBytes(bytes, damages) : bytes;
          });
          const expected = oneByOne(list);
          if (expected.error !== undefined) expect(() => decodeBatch(list)).toThrow();
          else expect(decodeBatch(list)).toEqual(expected.ops);
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
