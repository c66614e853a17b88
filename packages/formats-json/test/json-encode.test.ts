import { isPersistenceError } from "@snapwrite/core";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { createJsonCodec } from "../src/index.js";
import { text, thrown } from "./helpers.js";

const INDENTS = [0, 1, 2, 4, 10] as const;

/** Asserts the codec's bytes equal JSON.stringify, or that both refuse the value. */
function expectSameAsStringify(value: unknown, indent: number, chunkSize?: number): void {
  const codec = createJsonCodec<unknown>({ pretty: indent, chunkSize });
  let expected: string | undefined;
  let stringifyError: unknown;
  try {
    expected = JSON.stringify(value, null, indent);
  } catch (error) {
    stringifyError = error;
  }
  if (stringifyError !== undefined || expected === undefined) {
    const error = thrown(() => text(codec.encode(value)));
    expect(error.code).toBe("ERR_ENCODE");
    expect(error.stage).toBe("encode");
    return;
  }
  expect(text(codec.encode(value))).toBe(expected);
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  get sum(): number {
    return this.x + this.y;
  }
}

const fixtures: Array<[string, unknown]> = [
  ["null", null],
  ["true", true],
  ["false", false],
  ["zero", 0],
  ["negative zero", -0],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["max safe integer", Number.MAX_SAFE_INTEGER],
  ["min safe integer", Number.MIN_SAFE_INTEGER],
  ["beyond safe integers", 2 ** 60],
  ["1e21", 1e21],
  ["tiny", 5e-324],
  ["max value", Number.MAX_VALUE],
  ["fraction", -123.456e-7],
  ["empty string", ""],
  ["escapes", '"\\/\b\f\n\r\t\u0000\u001f\u007f'],
  ["unicode", "é漢字😀 \u2028\u2029"],
  ["lone high surrogate", "a\ud800b"],
  ["lone low surrogate", "\udc00"],
  ["reversed pair", "\udc00\ud800"],
  ["pair at end", "x\ud83d\ude00"],
  ["empty array", []],
  ["empty object", {}],
  ["nested empties", { a: [], b: {}, c: [[]], d: [{}] }],
  ["undefined members", { a: undefined, b: () => 1, c: Symbol("s"), d: 1 }],
  ["only undefined members", { a: undefined, b: () => 1 }],
  ["undefined elements", [undefined, () => 1, Symbol("s"), 1]],
  // biome-ignore lint/suspicious/noSparseArray: holes must serialize as null
  ["sparse array", [1, , 3]],
  ["integer-like keys", { b: 1, 2: "two", a: 3, 1: "one", "-1": 0 }],
  ["date", new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))],
  ["invalid date", new Date(Number.NaN)],
  [
    "toJSON with key",
    { a: { toJSON: (key: string) => `key:${key}` }, b: [{ toJSON: (k: string) => k }] },
  ],
  [
    "toJSON returning undefined",
    { a: { toJSON: () => undefined }, b: [{ toJSON: () => undefined }] },
  ],
  ["function with toJSON", { f: Object.assign(() => 1, { toJSON: (key: string) => `fn:${key}` }) }],
  ["root toJSON key", { toJSON: (key: string) => ({ rootKey: key }) }],
  ["boxed primitives", [new Number(3), new String("s"), new Boolean(false), Object(-0)]],
  ["boxed with overrides", { n: Object.assign(new Number(1), { valueOf: () => 42 }) }],
  ["class instance", new Point(1, 2)],
  ["map and set", { m: new Map([[1, 2]]), s: new Set([1]) }],
  ["typed array", new Uint8Array([1, 2, 3])],
  ["null prototype", Object.assign(Object.create(null), { a: 1, b: [null] })],
  ["symbol keys ignored", { [Symbol("k")]: 1, a: 2 }],
  ["non-enumerable ignored", Object.defineProperty({ a: 1 }, "hidden", { value: 2 })],
  [
    "accessor without a getter",
    [Object.defineProperty({ a: 1 }, "w", { enumerable: true, set() {} }), { b: 2 }],
  ],
  [
    "getter in a null-prototype record",
    [Object.defineProperty(Object.create(null), "g", { enumerable: true, get: () => 5 }), { c: 3 }],
  ],
  ["__proto__ key", JSON.parse('{"__proto__": {"x": 1}, "y": 2}')],
  ["deep-ish", { a: [{ b: [{ c: [1, { d: "e" }] }] }] }],
  ["array with objects", [{ a: 1 }, { b: [true, false, null] }, "x"]],
];

describe("encode equals JSON.stringify", () => {
  for (const [name, value] of fixtures) {
    it(`for ${name}`, () => {
      for (const indent of INDENTS) expectSameAsStringify(value, indent);
      expectSameAsStringify(value, 2, 64);
    });
  }

  it("for fc.jsonValue() with unicode strings, compact and pretty", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ stringUnit: "binary" }),
        fc.constantFrom(...INDENTS),
        (value, indent) => expectSameAsStringify(value, indent),
      ),
      { numRuns: 300 },
    );
  });

  it("for fc.anything() with boxed values, dates, maps, sparse arrays and null prototypes", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withSparseArray: true,
          withTypedArray: true,
          withObjectString: true,
          withBigInt: true,
          stringUnit: "binary",
        }),
        fc.constantFrom(...INDENTS),
        (value, indent) => expectSameAsStringify(value, indent),
      ),
      { numRuns: 300 },
    );
  });

  it("for values mixing left-out values, toJSON, getters-free class instances and doubles", () => {
    const special = fc.oneof(
      fc.constant(undefined),
      fc.constant(() => 1),
      fc.constant(Symbol.for("s")),
      fc.double(),
      fc.string({ unit: "binary" }),
      fc.jsonValue().map((inner) => ({ toJSON: (key: string) => [key, inner] })),
      fc.constant({ toJSON: () => undefined }),
      fc.date({ noInvalidDate: false }),
      fc.tuple(fc.integer(), fc.integer()).map(([x, y]) => new Point(x, y)),
    );
    fc.assert(
      fc.property(
        fc.anything({ values: [special], withBoxedValues: true, withSparseArray: true }),
        fc.constantFrom(...INDENTS),
        (value, indent) => expectSameAsStringify(value, indent),
      ),
      { numRuns: 300 },
    );
  });

  it("for any string, also across small chunks", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (value) => {
        expectSameAsStringify(value, 0, 64);
        expectSameAsStringify([value, { [value]: value }], 2, 64);
      }),
      { numRuns: 300 },
    );
  });

  it("for any double", () => {
    fc.assert(
      fc.property(fc.double(), (value) => expectSameAsStringify([value], 0)),
      { numRuns: 500 },
    );
  });

  it("for strings longer than a chunk with surrogate pairs on every boundary", () => {
    const long = `${"😀a".repeat(10_000)}\ud800${"é".repeat(5000)}`;
    expectSameAsStringify(long, 0, 64);
    expectSameAsStringify({ k: long }, 2, 100);
    expectSameAsStringify(long, 0);
  });

  it("for deep nesting, and beyond the depth where JSON.stringify overflows its stack", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1000; i++) deep = i % 2 === 0 ? [deep] : { k: deep };
    expectSameAsStringify(deep, 0);
    expectSameAsStringify(deep, 1);
    let deeper: unknown = null;
    for (let i = 0; i < 200_000; i++) deeper = [deeper];
    const out = text(createJsonCodec().encode(deeper));
    expect(out.length).toBe(200_000 * 2 + 4);
    expect(out.startsWith("[[[")).toBe(true);
  });

  it("for many records sharing keys, escaped, unicode, long and more distinct keys than cached", () => {
    const long = "k".repeat(100);
    const records = Array.from({ length: 6000 }, (_, i) => ({
      id: i,
      'quo"te\\': i,
      "ключ😀": [i],
      [long]: null,
      [`distinct-${i}`]: true,
    }));
    for (const indent of [0, 3]) expectSameAsStringify(records, indent, 256);
  });

  it("for multi-byte and escaped keys near the smallest chunk size", () => {
    for (const unit of ["é", "😀", "\u0001", "a"]) {
      for (let length = 1; length <= 70; length += 3) {
        const key = unit.repeat(length);
        expectSameAsStringify([{ [key]: 1 }, { [key]: 2 }], 0, 64);
        expectSameAsStringify([{ [key]: 1 }, { [key]: 2 }], 2, 64);
      }
    }
  });

  it("calls getters and toJSON in the same order as JSON.stringify", () => {
    const make = (log: string[]) => ({
      get a() {
        log.push("a");
        return {
          toJSON: () => {
            log.push("a.toJSON");
            return 1;
          },
        };
      },
      get b() {
        log.push("b");
        return [
          {
            toJSON: (k: string) => {
              log.push(`b.${k}`);
              return undefined;
            },
          },
        ];
      },
    });
    const expected: string[] = [];
    JSON.stringify(make(expected));
    const actual: string[] = [];
    text(createJsonCodec().encode(make(actual)));
    expect(actual).toEqual(expected);
  });
});

describe("encode of plain records (engine fast path)", () => {
  it("calls getters and toJSON inside array elements once each, in JSON.stringify's order", () => {
    const make = (log: string[]) =>
      Array.from({ length: 3 }, (_, i) => ({
        plain: { n: i, list: ["a", i] },
        get lazy() {
          log.push(`lazy${i}`);
          return { v: i };
        },
        hidden: Object.defineProperty({ x: i }, "toJSON", {
          value: (key: string) => {
            log.push(`toJSON:${key}`);
            return key;
          },
        }),
      }));
    const expected: string[] = [];
    const reference = JSON.stringify(make(expected));
    const actual: string[] = [];
    expect(text(createJsonCodec().encode(make(actual)))).toBe(reference);
    expect(actual).toEqual(expected);
    expect(actual).toHaveLength(6);
  });

  it("keeps the pretty indentation of records at any depth", () => {
    const value = { a: [{ b: [1, { c: "x\ny" }], d: {} }, []], e: { f: [[{ g: null }]] } };
    for (const indent of [1, 2, 4, 10]) expectSameAsStringify(value, indent, 64);
  });

  it("leaves out members the engine would leave out, and reports errors with their path", () => {
    expectSameAsStringify([{ a: undefined, b: [undefined, 1], c: -0, d: Number.NaN }], 0);
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    const error = thrown(() => text(createJsonCodec().encode([{ ok: 1 }, { inner: cyclic }])));
    expect(error.details).toMatchObject({ reason: "cycle", path: [1, "inner", "self"] });
    const big = thrown(() => text(createJsonCodec().encode([{ ok: 1 }, { n: [1, 2n] }])));
    expect(big.details).toMatchObject({ reason: "bigint", path: [1, "n", 1] });
  });

  it("bounds the text stringified at once, whatever the size of a member", () => {
    const calls: number[] = [];
    const original = JSON.stringify;
    const spy = vi.spyOn(JSON, "stringify").mockImplementation((...args) => {
      const json = original(...(args as Parameters<typeof original>));
      calls.push(json?.length ?? 0);
      return json;
    });
    try {
      const value = [
        { small: 1 },
        { wide: Array.from({ length: 50_000 }, (_, i) => i) },
        { long: "x".repeat(200_000) },
        { deep: JSON.parse(`${"[".repeat(100)}1${"]".repeat(100)}`) },
        // Many small records in a row are written a run at a time, within the same budget.
        ...Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `n${i}`, tags: ["a", i] })),
        // biome-ignore lint/suspicious/noSparseArray: holes and left-out values inside a run
        ...Array.from({ length: 300 }, () => ({ u: undefined, f: () => 1, h: [1, , 3] })),
      ];
      const chunks = [...createJsonCodec({ chunkSize: 4096 }).encode(value)];
      spy.mockRestore();
      expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe(JSON.stringify(value));
      expect(Math.max(...chunks.map((c) => c.byteLength))).toBeLessThanOrEqual(4096);
      // 5 300 plain records: more than one engine call per 256 of them, far fewer than one each.
      expect(calls.length).toBeGreaterThan(5300 / 256);
      expect(calls.length).toBeLessThan(1000);
      // 1 024 members and 16 Ki string units at most: far below what one big member would make.
      expect(Math.max(...calls)).toBeLessThan(120_000);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("encode errors", () => {
  it("refuses a BigInt with ERR_ENCODE and the TypeError as cause", () => {
    const error = thrown(() => text(createJsonCodec().encode({ a: [1, 2n] })));
    expect(error.code).toBe("ERR_ENCODE");
    expect(error.stage).toBe("encode");
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.details).toMatchObject({ reason: "bigint", path: ["a", 1] });
  });

  it("encodes a BigInt that has a toJSON, like JSON.stringify", () => {
    const value = { n: Object.assign(Object(5n), { toJSON: () => "5" }) };
    expectSameAsStringify(value, 0);
  });

  it("refuses cycles with ERR_ENCODE", () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = { back: a };
    const error = thrown(() => text(createJsonCodec().encode(a)));
    expect(error.code).toBe("ERR_ENCODE");
    expect(error.details).toMatchObject({ reason: "cycle", path: ["self", "back"] });
    const list: unknown[] = [];
    list.push(list);
    expect(thrown(() => text(createJsonCodec().encode(list))).details?.reason).toBe("cycle");
  });

  it("detects a cycle deep in the structure", () => {
    const root: Record<string, unknown> = {};
    let node = root;
    for (let i = 0; i < 100; i++) {
      const child: Record<string, unknown> = {};
      node.next = [child];
      node = child;
    }
    node.loop = root.next;
    const error = thrown(() => text(createJsonCodec().encode(root)));
    expect(error.details?.reason).toBe("cycle");
    node.loop = "fine";
    expectSameAsStringify(root, 0);
  });

  it("allows the same object twice when it is not its own ancestor", () => {
    const shared = { s: 1 };
    expectSameAsStringify({ a: shared, b: [shared, shared] }, 0);
  });

  it("wraps an exception from toJSON or a getter, keeping it as cause", () => {
    const boom = new Error("getter failed");
    const value = {
      ok: 1,
      get bad() {
        throw boom;
      },
    };
    const error = thrown(() => text(createJsonCodec().encode(value)));
    expect(error.code).toBe("ERR_ENCODE");
    expect(error.cause).toBe(boom);
    expect(error.details).toMatchObject({ reason: "threw", path: ["bad"] });
  });

  it("refuses values JSON.stringify turns into undefined at the root", () => {
    for (const value of [undefined, () => 1, Symbol("x"), { toJSON: () => undefined }]) {
      const error = thrown(() => text(createJsonCodec().encode(value)));
      expect(error.code).toBe("ERR_ENCODE");
      expect(error.details?.reason).toBe("not-serializable");
    }
  });

  it("does no work before the first chunk is pulled", () => {
    let calls = 0;
    const chunks = createJsonCodec().encode({
      toJSON() {
        calls++;
        return 1;
      },
    });
    expect(calls).toBe(0);
    expect(text(chunks)).toBe("1");
    expect(calls).toBe(1);
  });
});

describe("encode chunking", () => {
  it("never yields a chunk larger than chunkSize, and splits a large array into many chunks", () => {
    const records = Array.from({ length: 20_000 }, (_, i) => ({
      id: i,
      name: `file-${i}-é漢😀`,
      size: i * 1.5,
      tags: ["a", "b"],
    }));
    for (const chunkSize of [64, 1000, 65_536]) {
      const chunks = [...createJsonCodec({ chunkSize }).encode(records)];
      const total = chunks.reduce((sum, c) => sum + c.byteLength, 0);
      expect(Math.max(...chunks.map((c) => c.byteLength))).toBeLessThanOrEqual(chunkSize);
      expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(total / chunkSize));
      expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe(JSON.stringify(records));
    }
  });

  it("yields full-size chunks for large output, each one a fresh buffer", () => {
    const chunks = [...createJsonCodec({ chunkSize: 4096 }).encode(Array(10_000).fill("abcdef"))];
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.byteLength).toBeGreaterThan(4000);
    const buffers = new Set(chunks.map((c) => c.buffer));
    expect(buffers.size).toBe(chunks.length);
  });

  it("bounds the work of each step, also for members that produce no output", () => {
    let visits = 0;
    const silent: Record<string, unknown> = {};
    for (let i = 0; i < 50_000; i++) {
      Object.defineProperty(silent, `k${i}`, {
        enumerable: true,
        get() {
          visits++;
          return undefined;
        },
      });
    }
    const iterator = createJsonCodec().encode({ silent, tail: 1 })[Symbol.iterator]();
    let steps = 0;
    let maxPerStep = 0;
    let out = "";
    while (true) {
      const before = visits;
      const step = iterator.next();
      maxPerStep = Math.max(maxPerStep, visits - before);
      if (step.done) break;
      steps++;
      out += new TextDecoder().decode(step.value);
    }
    expect(out).toBe('{"silent":{},"tail":1}');
    expect(visits).toBe(50_000);
    expect(steps).toBeGreaterThan(10);
    expect(maxPerStep).toBeLessThanOrEqual(4096);
  });

  it("bounds each step of a large array by the chunk size", () => {
    let reads = 0;
    const items = Array.from({ length: 30_000 }, (_, i) => ({
      get v() {
        reads++;
        return i;
      },
    }));
    const iterator = createJsonCodec({ chunkSize: 1024 }).encode(items)[Symbol.iterator]();
    let maxPerStep = 0;
    let steps = 0;
    while (true) {
      const before = reads;
      const step = iterator.next();
      maxPerStep = Math.max(maxPerStep, reads - before);
      if (step.done) break;
      steps++;
    }
    expect(reads).toBe(30_000);
    expect(steps).toBeGreaterThan(100);
    // Each element writes at least `{"v":0}` (7 bytes), so a 1 KiB chunk fills after ~150 reads.
    expect(maxPerStep).toBeLessThan(200);
  });

  // Bench-like state: records of plain data, some with long lists of hashes (too big for one
  // native write), and one long string.
  const hex = (i: number): string => (i * 2_654_435_761).toString(16).padStart(32, "0").slice(-32);
  const knownFiles = {
    version: 1,
    note: "é漢😀 ".repeat(200_000),
    files: Array.from({ length: 3_000 }, (_, i) => ({
      name: `holiday concert ${String(i).padStart(7, "0")}.mkv`,
      size: i * 9_728_000 + 17,
      hash: hex(i),
      parts: Array.from({ length: i % 500 === 499 ? 884 : i % 10 }, (_, p) => hex(i + p)),
      requests: i % 5_000,
      priority: 5,
    })),
  };
  const STEP_BOUND = 32 * 1024;

  it("ends each step after about 16 KiB, well before a default 64 KiB chunk is full", () => {
    for (const indent of [0, 2]) {
      const chunks = [...createJsonCodec({ pretty: indent }).encode(knownFiles)];
      expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe(
        JSON.stringify(knownFiles, null, indent),
      );
      // Each step yields what it wrote, so no chunk holds more than one step's output.
      expect(Math.max(...chunks.map((c) => c.byteLength))).toBeLessThanOrEqual(STEP_BOUND);
      expect(chunks.length).toBeGreaterThan(Buffer.concat(chunks).byteLength / STEP_BOUND);
    }
  });

  it("writes a long string in steps of bounded size", () => {
    const long = 'a"b\n😀é'.repeat(100_000);
    const chunks = [...createJsonCodec().encode({ long })];
    expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe(JSON.stringify({ long }));
    expect(Math.max(...chunks.map((c) => c.byteLength))).toBeLessThanOrEqual(STEP_BOUND);
  });

  it("never writes into a chunk after handing it over, though steps share a chunk buffer", () => {
    const handed: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    for (const chunk of createJsonCodec().encode(knownFiles)) {
      handed.push(chunk);
      copies.push(chunk.slice());
    }
    const changed = handed.filter((c, i) => Buffer.compare(c, copies[i] as Uint8Array) !== 0);
    expect(changed).toHaveLength(0);
    // Early step ends hand over views of one buffer rather than allocating a buffer per step.
    expect(new Set(handed.map((c) => c.buffer)).size).toBeLessThan(handed.length / 2);
    expect(new TextDecoder().decode(Buffer.concat(handed))).toBe(JSON.stringify(knownFiles));
  });

  it("bounds the records one step reads by the step size, also on the engine path", () => {
    const touched = new Set<number>();
    const records = Array.from({ length: 20_000 }, (_, i) => {
      const target = { id: i, name: `f${String(i).padStart(5, "0")}` };
      return new Proxy(target, {
        get(object, key, receiver) {
          touched.add(i);
          return Reflect.get(object, key, receiver);
        },
        getOwnPropertyDescriptor(object, key) {
          touched.add(i);
          return Reflect.getOwnPropertyDescriptor(object, key);
        },
      });
    });
    const record = JSON.stringify({ id: 0, name: "f00000" });
    const iterator = createJsonCodec().encode(records)[Symbol.iterator]();
    let maxPerStep = 0;
    let out = "";
    while (true) {
      touched.clear();
      const step = iterator.next();
      maxPerStep = Math.max(maxPerStep, touched.size);
      if (step.done) break;
      out += new TextDecoder().decode(step.value);
    }
    expect(out).toBe(JSON.stringify(records));
    // Every record writes at least record.length bytes (ids grow), so a step that ends after
    // 16 KiB (plus one native write) reads at most about that many records.
    expect(maxPerStep).toBeLessThanOrEqual(Math.ceil(STEP_BOUND / record.length));
  });

  it("validates chunkSize and pretty at construction", () => {
    expect(() => createJsonCodec({ chunkSize: 10 })).toThrow(RangeError);
    expect(() => createJsonCodec({ chunkSize: 100.5 })).toThrow(RangeError);
    expect(() => createJsonCodec({ pretty: 11 })).toThrow(RangeError);
    expect(() => createJsonCodec({ pretty: -1 })).toThrow(RangeError);
    expect(text(createJsonCodec({ pretty: true }).encode({ a: 1 }))).toBe('{\n  "a": 1\n}');
    expect(text(createJsonCodec({ pretty: false }).encode({ a: 1 }))).toBe('{"a":1}');
  });
});

describe("stable keys", () => {
  function sortedReference(value: unknown, indent: number, depth = 0): string {
    const pad = (d: number) => (indent > 0 ? `\n${" ".repeat(indent * d)}` : "");
    if (Array.isArray(value)) {
      if (value.length === 0) return "[]";
      const items = value.map((v) => pad(depth + 1) + sortedReference(v, indent, depth + 1));
      return `[${items.join(",")}${pad(depth)}]`;
    }
    if (typeof value === "object" && value !== null) {
      const keys = Object.keys(value).sort();
      if (keys.length === 0) return "{}";
      const sep = indent > 0 ? ": " : ":";
      const members = keys.map(
        (k) =>
          pad(depth + 1) +
          JSON.stringify(k) +
          sep +
          sortedReference((value as Record<string, unknown>)[k], indent, depth + 1),
      );
      return `{${members.join(",")}${pad(depth)}}`;
    }
    return JSON.stringify(value);
  }

  it("sorts keys at every level, including integer-like keys, by code units", () => {
    const codec = createJsonCodec({ stableKeys: true });
    expect(text(codec.encode({ b: 1, a: { z: 1, y: [{ d: 1, c: 2 }] }, 10: 0, 2: 0 }))).toBe(
      '{"10":0,"2":0,"a":{"y":[{"c":2,"d":1}],"z":1},"b":1}',
    );
  });

  it("gives equal bytes for equal values in any insertion order", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2), (value, indent) => {
        const codec = createJsonCodec({ stableKeys: true, pretty: indent });
        expect(text(codec.encode(value))).toBe(sortedReference(value, indent));
      }),
      { numRuns: 200 },
    );
  });
});

describe("versioned envelope encoding", () => {
  it("writes the envelope exactly like JSON.stringify({ version, data })", () => {
    const value = { a: [1, { toJSON: (k: string) => k }], d: new Date(0) };
    for (const indent of [0, 2]) {
      const codec = createJsonCodec({ version: 3, pretty: indent });
      expect(text(codec.encode(value))).toBe(
        JSON.stringify({ version: 3, data: value }, null, indent),
      );
    }
  });

  it("keeps version first with stable keys", () => {
    const codec = createJsonCodec({ version: 1, stableKeys: true });
    expect(text(codec.encode({ z: 1, a: { version: 0, data: 1 } }))).toBe(
      '{"version":1,"data":{"a":{"data":1,"version":0},"z":1}}',
    );
  });

  it("errors are still typed PersistenceErrors", () => {
    const codec = createJsonCodec({ version: 1 });
    let caught: unknown;
    try {
      text(codec.encode({ n: 1n }));
    } catch (error) {
      caught = error;
    }
    expect(isPersistenceError(caught, "ERR_ENCODE")).toBe(true);
  });
});
