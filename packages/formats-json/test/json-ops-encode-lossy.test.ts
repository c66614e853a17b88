import { describe, expect, it } from "vitest";
import { createJsonOpsCodec, type JsonOp } from "../src/index.js";

const codec = createJsonOpsCodec();
const put = (value: unknown): JsonOp => ({ op: "put", collection: "c", key: "k", value });

/** The error encoding a put of `value` (after one good op) throws; fails when it encodes. */
function refusal(value: unknown): { code?: unknown; message: string; cause?: unknown } {
  try {
    codec.encode([put(1), put(value)]);
  } catch (error) {
    return error as { code?: unknown; message: string; cause?: unknown };
  }
  throw new Error(`encoded ${String(value)}`);
}

describe("json-ops encode refuses values a reopen would not give back", () => {
  const date = new Date(0);
  const holey = [1];
  holey[2] = 3;
  const bigintWithToJson = Object.assign(Object(1n), { toJSON: () => "1" });
  it.each([
    ["NaN", Number.NaN, "$", RangeError],
    ["Infinity in an object", { a: { b: Number.POSITIVE_INFINITY } }, "$.a.b", RangeError],
    ["-Infinity in an array", [1, Number.NEGATIVE_INFINITY], "$[1]", RangeError],
    ["undefined in an array", [1, undefined], "$[1]", TypeError],
    ["a hole in an array", holey, "$[1]", TypeError],
    ["undefined as a member", { a: 1, b: undefined }, "$.b", TypeError],
    ["a function as a member", { f: () => 1 }, "$.f", TypeError],
    ["a symbol in an array", [Symbol("s")], "$[0]", TypeError],
    ["a BigInt", { n: 10n }, "$.n", TypeError],
    ["a BigInt with a toJSON", { n: bigintWithToJson }, "$.n", TypeError],
    ["a Date", { at: date }, "$.at", TypeError],
    ["a toJSON returning a number", [{ toJSON: () => 5 }], "$[0]", TypeError],
    ["a boxed NaN", { n: Object(Number.NaN) }, "$.n", TypeError],
    ["a boxed string", { s: Object("s") }, "$.s", TypeError],
    ["-0", { z: [1, -0] }, "$.z[1]", RangeError],
    ["a Map", { m: new Map([["a", 1]]) }, "$.m", TypeError],
    ["a Set", { s: new Set(["x"]) }, "$.s", TypeError],
    ["a Uint8Array", { b: new Uint8Array([1, 2]) }, "$.b", TypeError],
    ["a RegExp", { r: /x/ }, "$.r", TypeError],
    ["an Error", { e: new Error("boom") }, "$.e", TypeError],
    [
      "a class instance",
      {
        p: new (class Point {
          x = 1;
        })(),
      },
      "$.p",
      TypeError,
    ],
  ] as const)(
    "%s: ERR_ENCODE naming the path, caused by a TypeError or RangeError",
    (_what, value, path, type) => {
      const error = refusal(value);
      expect(error).toMatchObject({ code: "ERR_ENCODE", details: { index: 1 } });
      expect(error.message).toContain(`ops[1]: the value at ${path} `);
      expect(error.cause).toBeInstanceOf(type);
    },
  );

  it("refuses a cycle reached through a getter or toJSON with ERR_ENCODE, as JSON.stringify did", () => {
    const cyclic: Record<string, unknown> = { toJSON: undefined };
    cyclic.self = cyclic;
    expect(refusal(cyclic)).toMatchObject({ code: "ERR_ENCODE" });
  });

  it("writes plain JSON values byte for byte as JSON.stringify does", () => {
    const values = [
      0,
      -1.5e300,
      "é\ud800",
      null,
      true,
      [],
      {},
      [1, "a", null, [false], { x: [] }],
      { b: 1, a: { "2": 1, "1": 2, __proto__x: 3 }, c: [{}] },
      JSON.parse('{"__proto__": {"a": 1}}'),
      Object.assign(Object.create(null), { n: 1 }),
    ];
    for (const value of values) {
      const expected = new TextEncoder().encode(JSON.stringify(value));
      const bytes = codec.encode([put(value)]);
      expect(bytes.subarray(bytes.length - expected.length)).toEqual(expected);
      expect(codec.decode(bytes)).toEqual([put(JSON.parse(JSON.stringify(value)))]);
    }
  });

  it("writes what JSON.stringify writes for a getter and a toJSON that keeps the kind, running a toJSON once", () => {
    const withGetter = {
      get n() {
        return 7;
      },
    };
    let calls = 0;
    const custom = {
      toJSON: () => {
        calls++;
        return { kept: [1] };
      },
    };
    const value = { g: withGetter, c: custom };
    const bytes = codec.encode([put(value)]);
    expect(calls).toBe(1);
    expect(codec.decode(bytes)).toEqual([put({ g: { n: 7 }, c: { kept: [1] } })]);
    const getterNaN = {
      get n() {
        return Number.NaN;
      },
    };
    expect(refusal({ a: getterNaN }).message).toContain("the value at $.a.n is NaN");
  });

  it("writes values nested as deep as JSON.stringify writes them, and refuses deeper ones clearly", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 3000; i++) deep = [deep];
    // Compared as text: a deep equality check recurses further than the test's stack allows.
    const [back] = codec.decode(codec.encode([put({ deep })]));
    expect(JSON.stringify(back)).toBe(JSON.stringify(put({ deep })));
    let tooDeep: unknown = 1;
    for (let i = 0; i < 200_000; i++) tooDeep = [tooDeep];
    expect(refusal(tooDeep).message).toContain("is nested too deeply to encode");
  });
});
