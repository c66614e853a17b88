import { isPersistenceError, type PersistenceError } from "@snapwrite/core";
import { byteDamage, damageBytes } from "@snapwrite/testkit/checks";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createJsonOpsCodec, type JsonOp } from "../src/index.js";
import { jsonOpArbitraries } from "./json-op-arbitraries.js";

const codec = createJsonOpsCodec();

function thrown(run: () => unknown): PersistenceError {
  try {
    run();
  } catch (error) {
    if (isPersistenceError(error)) return error;
    throw error;
  }
  throw new Error("expected a PersistenceError");
}

const { name, collection, op } = jsonOpArbitraries(12);
const ops = fc.array(op, { maxLength: 20 });

// JSON has no -0: JSON.stringify(-0) is "0". Compare as JSON does.
const normalized = (value: readonly JsonOp[]) => JSON.parse(JSON.stringify(value)) as unknown;

// Plain checks instead of expect(): this runs 10^5 times.
function expectCorrupt(bytes: Uint8Array): void {
  try {
    codec.decode(bytes);
    return;
  } catch (error) {
    if (!isPersistenceError(error, "ERR_CORRUPT")) throw error;
    const { offset, reason } = (error.details ?? {}) as { offset?: unknown; reason?: unknown };
    if (
      typeof offset !== "number" ||
      !Number.isInteger(offset) ||
      offset < 0 ||
      offset > bytes.byteLength ||
      typeof reason !== "string"
    ) {
      throw new Error(`bad details ${JSON.stringify(error.details)} for ${bytes.byteLength} bytes`);
    }
  }
}

describe("createJsonOpsCodec", () => {
  it("round-trips every list of ops (property)", () => {
    fc.assert(
      fc.property(ops, (list) => {
        const bytes = codec.encode(list);
        expect(normalized(codec.decode(bytes))).toEqual(normalized(list));
        // Encoding is deterministic: the decoded ops encode to the same bytes.
        expect(codec.encode(codec.decode(bytes))).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("frames each op with its length, after a version byte", () => {
    const bytes = codec.encode([
      { op: "del", collection: "c", key: "k" },
      { op: "clear", collection: "é" },
    ]);
    expect([...bytes]).toEqual([
      1, // version
      ...[11, 0, 0, 0, 2, 1, 0, 0, 0, 0x63, 1, 0, 0, 0, 0x6b], // del "c" "k"
      ...[7, 0, 0, 0, 4, 2, 0, 0, 0, 0xc3, 0xa9], // clear "é"
    ]);
    expect(codec.encode([])).toEqual(Uint8Array.of(1));
    expect(codec.decode(Uint8Array.of(1))).toEqual([]);
  });

  it("keys put and del by collection and key, clear by collection, merge not at all", () => {
    const keyOf = codec.keyOf as (op: JsonOp) => string | undefined;
    expect(keyOf({ op: "put", collection: "c", key: "k", value: 1 })).toBe("c\0k");
    expect(keyOf({ op: "del", collection: "c", key: "k" })).toBe("c\0k");
    expect(keyOf({ op: "clear", collection: "c" })).toBe("c");
    expect(keyOf({ op: "merge", collection: "c", key: "k", value: {} })).toBeUndefined();
    // Collections never contain U+0000, so a clear's key never equals a put's or del's.
    fc.assert(
      fc.property(collection, collection, name, (a, b, key) => {
        expect(keyOf({ op: "clear", collection: a })).not.toBe(
          keyOf({ op: "put", collection: b, key, value: null }),
        );
      }),
    );
  });

  it.each([
    ["an unknown op", [{ op: "upsert", collection: "c", key: "k" }]],
    ["a numeric key", [{ op: "del", collection: "c", key: 1 }]],
    ["a collection with U+0000", [{ op: "clear", collection: "a\0b" }]],
    ["a lone surrogate in a key", [{ op: "del", collection: "c", key: "\ud800" }]],
    ["an undefined value", [{ op: "put", collection: "c", key: "k", value: undefined }]],
    ["a BigInt value", [{ op: "put", collection: "c", key: "k", value: 1n }]],
    ["a merge of an array", [{ op: "merge", collection: "c", key: "k", value: [1] }]],
    ["a null op", [null]],
  ])("throws ERR_ENCODE for %s", (_name, list) => {
    const error = thrown(() => codec.encode(list as JsonOp[]));
    expect(error.code).toBe("ERR_ENCODE");
    expect(error.details).toEqual({ index: 0 });
  });

  it.each([
    ["no bytes", [], 0, "truncated"],
    ["an unknown version", [2], 0, "bad-header"],
    ["a cut frame length", [1, 5, 0], 1, "truncated"],
    ["a frame longer than the input", [1, 255, 255, 255, 255, 4], 1, "truncated"],
    ["an empty frame", [1, 0, 0, 0, 0], 5, "bad-length"],
    ["an unknown kind", [1, 1, 0, 0, 0, 9], 5, "bad-kind"],
    ["a collection length past the frame", [1, 5, 0, 0, 0, 4, 9, 0, 0, 0], 6, "bad-length"],
    ["a frame ending inside a length", [1, 3, 0, 0, 0, 4, 0, 0], 6, "bad-length"],
    ["bad UTF-8", [1, 6, 0, 0, 0, 4, 1, 0, 0, 0, 0xff], 10, "invalid-utf8"],
    ["bytes after a clear", [1, 6, 0, 0, 0, 4, 0, 0, 0, 0, 7], 10, "trailing-data"],
    ["a put without a value", [1, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], 14, "bad-value"],
    [
      "a value that is not JSON",
      [1, 10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x7b],
      14,
      "bad-value",
    ],
    ["a merge of a number", [1, 10, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0x31], 14, "bad-value"],
    ["a collection with U+0000", [1, 6, 0, 0, 0, 4, 1, 0, 0, 0, 0], 10, "bad-value"],
  ])("throws ERR_CORRUPT for %s with its offset and reason", (_name, raw, offset, reason) => {
    const error = thrown(() => codec.decode(Uint8Array.from(raw)));
    expect(error.code).toBe("ERR_CORRUPT");
    expect(error.details).toMatchObject({ offset, reason });
  });

  it("decodes ASCII and other text the same from a Buffer and a Uint8Array, short or long", () => {
    const ops: JsonOp[] = [
      { op: "put", collection: "kv", key: "k00000001", value: { n: 1, name: "entry 1" } },
      { op: "put", collection: "größe", key: "clé é", value: "naïve ✓ 😀" },
      { op: "merge", collection: "kv", key: "x".repeat(2000), value: { long: "y".repeat(3000) } },
      { op: "del", collection: "c", key: "\u007f\u0080" },
    ];
    const bytes = codec.encode(ops);
    expect(codec.decode(bytes)).toEqual(ops);
    expect(codec.decode(Buffer.from(bytes))).toEqual(ops);
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    expect(codec.decode(copy)).toEqual(ops);
  });

  it("decodes from a view into a larger buffer", () => {
    const bytes = codec.encode([{ op: "put", collection: "c", key: "k", value: [1, "x"] }]);
    const padded = new Uint8Array(bytes.byteLength + 10);
    padded.set(bytes, 5);
    expect(codec.decode(padded.subarray(5, 5 + bytes.byteLength))).toEqual([
      { op: "put", collection: "c", key: "k", value: [1, "x"] },
    ]);
  });

  it("rejects damaged encodings only with ERR_CORRUPT (fuzz, 70k mutated inputs)", () => {
    // Generating op lists is the slow part: damage a fixed pool of valid encodings instead.
    const pool = fc
      .sample(fc.array(op, { maxLength: 6 }), { numRuns: 400, seed: 12 })
      .map((list) => codec.encode(list));
    fc.assert(
      fc.property(
        fc.nat(pool.length - 1),
        fc.array(byteDamage, { minLength: 1, maxLength: 3 }),
        (pick, damages) => {
          const bytes = damageBytes(pool[pick] as Uint8Array, damages);
          expectCorrupt(bytes);
        },
      ),
      { numRuns: 70_000 },
    );
  });

  it("rejects arbitrary bytes only with ERR_CORRUPT (fuzz, 30k inputs)", () => {
    const start = fc.constantFrom(0, 1, 1, 1, 2);
    fc.assert(
      fc.property(start, fc.uint8Array({ maxLength: 64 }), (first, rest) => {
        expectCorrupt(Uint8Array.from([first, ...rest]));
      }),
      { numRuns: 30_000 },
    );
  });
});
