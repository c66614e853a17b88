import { describe, expect, it } from "vitest";
import { createJsonOpsCodec, type JsonOp } from "../src/index.js";

const codec = createJsonOpsCodec();

describe("json-ops encode: the shared scratch buffer", () => {
  it("a value whose toJSON encodes ops itself does not disturb the outer encode", () => {
    let inner: Uint8Array | undefined;
    const value = {
      toJSON() {
        inner = codec.encode([{ op: "put", collection: "in", key: "k", value: "x".repeat(50) }]);
        return { n: 1 };
      },
    };
    const bytes = codec.encode([
      { op: "put", collection: "out", key: "a", value: "first" },
      { op: "put", collection: "out", key: "b", value },
      { op: "del", collection: "out", key: "c" },
    ]);
    expect(codec.decode(bytes)).toEqual([
      { op: "put", collection: "out", key: "a", value: "first" },
      { op: "put", collection: "out", key: "b", value: { n: 1 } },
      { op: "del", collection: "out", key: "c" },
    ]);
    expect(codec.decode(inner as Uint8Array)).toEqual([
      { op: "put", collection: "in", key: "k", value: "x".repeat(50) },
    ]);
  });

  it("a batch larger than the scratch buffer, then small ones, encode to independent copies", () => {
    const big: JsonOp[] = Array.from({ length: 20_000 }, (_, i) => ({
      op: "put",
      collection: "c",
      key: `k${i}`,
      value: { i, text: "é€😀".repeat(3) },
    }));
    const bigBytes = codec.encode(big);
    const small = codec.encode([{ op: "clear", collection: "c" }]);
    const again = codec.encode([{ op: "del", collection: "c", key: "z" }]);
    expect(codec.decode(bigBytes)).toEqual(big);
    expect(codec.decode(small)).toEqual([{ op: "clear", collection: "c" }]);
    expect(codec.decode(again)).toEqual([{ op: "del", collection: "c", key: "z" }]);
    // Each result owns its bytes.
    expect(small.byteOffset).toBe(0);
    expect(small.buffer.byteLength).toBe(small.byteLength);
  });

  it("an op it cannot encode leaves the next encode clean", () => {
    expect(() =>
      codec.encode([
        { op: "put", collection: "c", key: "a", value: 1 },
        { op: "put", collection: "c", key: "\ud800", value: 2 },
      ] as JsonOp[]),
    ).toThrow(/lone surrogate/);
    expect(codec.decode(codec.encode([{ op: "del", collection: "c", key: "b" }]))).toEqual([
      { op: "del", collection: "c", key: "b" },
    ]);
  });

  it("writes every string as its UTF-8, ASCII or not, short or long", () => {
    const utf8 = new TextEncoder();
    const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
    const texts = [
      "",
      "k00012345",
      "a".repeat(127),
      "a".repeat(128),
      "a".repeat(129),
      `${"a".repeat(127)}é`,
      "é",
      `abc\u007fdef`,
      `abc\u0080def`,
      "x😀y",
      `${"b".repeat(300)}€`,
      "\u0000inside",
    ];
    for (const key of texts) {
      const collection = key.replaceAll("\0", "");
      const bytes = codec.encode([{ op: "put", collection, key, value: key }]);
      const c = utf8.encode(collection);
      const k = utf8.encode(key);
      const v = utf8.encode(JSON.stringify(key));
      const frame = 1 + 4 + c.length + 4 + k.length + v.length;
      expect([...bytes]).toEqual([
        1,
        ...u32(frame),
        1,
        ...u32(c.length),
        ...c,
        ...u32(k.length),
        ...k,
        ...v,
      ]);
      expect(codec.decode(bytes)).toEqual([{ op: "put", collection, key, value: key }]);
    }
  });
});
