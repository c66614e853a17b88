import { isPersistenceError } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import { createMetTag, type MetTagSpec } from "../src/tags/create-met-tag.js";
import { decodeMetTag } from "../src/tags/met-tag.js";
import { scanMetTag } from "../src/tags/scan-met-tag.js";
import { FT_FILENAME, FT_FILESIZE } from "../src/tags/tag-ids.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));

function corruptDetails(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
    return (error as { details: Record<string, unknown> }).details;
  }
  throw new Error("expected ERR_CORRUPT");
}

describe("tag wire format", () => {
  const cases: { spec: MetTagSpec; wire: string; value: unknown }[] = [
    {
      spec: { id: 0x28, type: "hash16", value: bytes("00112233445566778899aabbccddeeff") },
      wire: "01 0100 28 00112233445566778899aabbccddeeff",
      value: bytes("00112233445566778899aabbccddeeff"),
    },
    {
      spec: { id: FT_FILENAME, type: "string", value: "tiny.txt" },
      wire: "02 0100 01 0800 74696e792e747874",
      value: "tiny.txt",
    },
    {
      spec: { id: FT_FILENAME, type: "string", value: "é", bom: true },
      wire: "02 0100 01 0500 efbbbf c3a9",
      value: "é",
    },
    {
      spec: { id: FT_FILESIZE, type: "uint32", value: 13 },
      wire: "03 0100 02 0d000000",
      value: 13,
    },
    { spec: { id: 0x40, type: "float32", value: 1.5 }, wire: "04 0100 40 0000c03f", value: 1.5 },
    { spec: { id: 0x41, type: "bool", value: true }, wire: "05 0100 41 01", value: true },
    {
      spec: { id: 0x42, type: "boolarray", value: { bits: 9, bytes: bytes("ff01") } },
      wire: "06 0100 42 0900 ff01",
      value: { bits: 9, bytes: bytes("ff01") },
    },
    {
      spec: { id: 0x35, type: "blob", value: bytes("aabbcc") },
      wire: "07 0100 35 03000000 aabbcc",
      value: bytes("aabbcc"),
    },
    { spec: { id: 0x43, type: "uint16", value: 0x1234 }, wire: "08 0100 43 3412", value: 0x1234 },
    { spec: { id: 0x44, type: "uint8", value: 7 }, wire: "09 0100 44 07", value: 7 },
    {
      spec: { id: FT_FILESIZE, type: "uint64", value: 4_400_000_000n },
      wire: "0b 0100 02 00ac420601000000",
      value: 4_400_000_000n,
    },
    {
      spec: { id: FT_FILENAME, type: "str", value: "abc" },
      wire: "13 0100 01 616263",
      value: "abc",
    },
    {
      spec: { id: FT_FILENAME, type: "str", value: "0123456789abcdef" },
      wire: "20 0100 01 30313233343536373839616263646566",
      value: "0123456789abcdef",
    },
    {
      spec: { id: FT_FILESIZE, compact: true, type: "uint8", value: 13 },
      wire: "89 02 0d",
      value: 13,
    },
    {
      spec: { id: FT_FILENAME, compact: true, type: "str", value: "a.b" },
      wire: "93 01 612e62",
      value: "a.b",
    },
    {
      spec: { id: FT_FILENAME, compact: true, type: "string", value: "ab" },
      wire: "82 01 0200 6162",
      value: "ab",
    },
    {
      spec: { name: "Artist", type: "string", value: "Me" },
      wire: "02 0600 417274697374 0200 4d65",
      value: "Me",
    },
    { spec: { name: "", type: "uint32", value: 1 }, wire: "03 0000 01000000", value: 1 },
  ];

  for (const { spec, wire, value } of cases) {
    it(`encodes and decodes ${spec.type}${spec.compact ? " (compact)" : ""}${spec.name !== undefined ? " (string name)" : ""} byte for byte`, () => {
      const created = createMetTag(spec);
      expect(hex(created.raw)).toBe(wire.replace(/\s+/g, ""));
      const input = Uint8Array.from([0xee, ...created.raw, 0xee]);
      const decoded = decodeMetTag(input, 1, input.length - 1);
      expect(hex(decoded.raw)).toBe(hex(created.raw));
      expect(decoded.raw.buffer).toBe(input.buffer);
      expect(scanMetTag(input, 1)).toBe(1 + created.raw.length);
      expect(decoded.value).toEqual(value);
      expect(decoded.compact).toBe(spec.compact === true);
      expect(decoded.id).toBe(spec.id ?? 0);
      expect(decoded.name).toBe(spec.name);
      expect(decoded.typeName).toBe(spec.type);
    });
  }

  it("exposes BOM presence, text bytes and integer values", () => {
    const bom = decodeMetTag(createMetTag({ id: 1, type: "string", value: "ü", bom: true }).raw);
    expect(bom.hasBom).toBe(true);
    expect(hex(bom.textBytes as Uint8Array)).toBe("c3bc");
    expect(hex(bom.valueBytes)).toBe("efbbbfc3bc");
    const plain = decodeMetTag(createMetTag({ id: 1, type: "string", value: "ü" }).raw);
    expect(plain.hasBom).toBe(false);
    expect(plain.value).toBe("ü");
    expect(decodeMetTag(bytes("09010002ff")).bigintValue).toBe(255n);
    expect(decodeMetTag(bytes("080100020100")).bigintValue).toBe(1n);
    expect(decodeMetTag(bytes("0301000201000000")).isInteger).toBe(true);
    expect(decodeMetTag(bytes("0401000201000000")).bigintValue).toBeUndefined();
    expect(decodeMetTag(bytes("0401000201000000")).isInteger).toBe(false);
    expect(decodeMetTag(bytes("1101000161")).isString).toBe(true);
  });

  it("falls back to Latin-1 for strings that are not valid UTF-8, as aMule does", () => {
    const tag = decodeMetTag(bytes("02 0100 01 0300 63e9 80"));
    expect(tag.value).toBe("c\u00e9\u0080");
  });

  it("reads a 1-byte old-style name as a numeric id", () => {
    const tag = decodeMetTag(bytes("03 0100 41 01000000"));
    expect(tag.id).toBe(0x41);
    expect(tag.name).toBeUndefined();
  });

  it("rejects specs that would not read back the same", () => {
    expect(() => createMetTag({ name: "A", type: "uint32", value: 1 })).toThrow(RangeError);
    expect(() => createMetTag({ type: "uint32", value: 1 })).toThrow(TypeError);
    expect(() => createMetTag({ id: 1, type: "constructor", value: 1 } as never)).toThrow(
      TypeError,
    );
    expect(() => createMetTag({ id: 1, name: "ab", type: "uint32", value: 1 })).toThrow(TypeError);
    expect(() => createMetTag({ name: "ab", compact: true, type: "uint32", value: 1 })).toThrow(
      TypeError,
    );
    expect(() => createMetTag({ id: 256, type: "uint32", value: 1 })).toThrow(RangeError);
    expect(() => createMetTag({ id: 1, type: "uint8", value: 256 })).toThrow(RangeError);
    expect(() => createMetTag({ id: 1, type: "uint32", value: -1 })).toThrow(RangeError);
    expect(() => createMetTag({ id: 1, type: "str", value: "" })).toThrow(RangeError);
    expect(() => createMetTag({ id: 1, type: "str", value: "x".repeat(17) })).toThrow(RangeError);
    expect(() => createMetTag({ id: 1, type: "string", value: "x".repeat(65_536) })).toThrow(
      RangeError,
    );
    expect(() => createMetTag({ id: 1, type: "hash16", value: new Uint8Array(15) })).toThrow(
      RangeError,
    );
    expect(() =>
      createMetTag({ id: 1, type: "boolarray", value: { bits: 8, bytes: new Uint8Array(1) } }),
    ).toThrow(RangeError);
    expect(() => createMetTag({ id: 1, type: "uint64", value: 2n ** 64n })).toThrow(RangeError);
    expect(() => createMetTag({ name: "\u0100x", type: "uint32", value: 1 })).toThrow(RangeError);
  });
});

describe("tag decoding errors", () => {
  it("rejects BSOB and undefined types as unknown-tag-type at the tag offset", () => {
    for (const type of ["0a", "00", "0c", "10", "21", "26", "7f", "8a"]) {
      const input = bytes(`ffff ${type} 0100 01 01 61 00000000000000000000000000000000`);
      expect(corruptDetails(() => scanMetTag(input, 2))).toMatchObject({
        offset: 2,
        reason: "unknown-tag-type",
      });
    }
  });

  it("reports truncated headers and fixed-size values at the field offset", () => {
    expect(corruptDetails(() => scanMetTag(bytes(""), 0))).toMatchObject({
      offset: 0,
      reason: "truncated",
    });
    expect(corruptDetails(() => scanMetTag(bytes("0301"), 0))).toMatchObject({
      offset: 0,
      reason: "truncated",
    });
    expect(corruptDetails(() => scanMetTag(bytes("83"), 0))).toMatchObject({
      offset: 0,
      reason: "truncated",
    });
    expect(corruptDetails(() => scanMetTag(bytes("03010002 0d0000"), 0))).toMatchObject({
      offset: 4,
      reason: "truncated",
    });
    expect(corruptDetails(() => scanMetTag(bytes("0b010002 00"), 0))).toMatchObject({
      offset: 4,
      reason: "truncated",
    });
    expect(corruptDetails(() => scanMetTag(bytes("01010002 00"), 0))).toMatchObject({
      offset: 4,
      reason: "truncated",
    });
    expect(corruptDetails(() => scanMetTag(bytes("15010002 6162"), 0))).toMatchObject({
      offset: 4,
      reason: "truncated",
    });
    expect(corruptDetails(() => scanMetTag(bytes("02010001 08"), 0))).toMatchObject({
      offset: 4,
      reason: "truncated",
    });
  });

  it("reports announced lengths beyond the input as bad-length at the length field", () => {
    expect(corruptDetails(() => scanMetTag(bytes("02 0500 4142"), 0))).toMatchObject({
      offset: 1,
      reason: "bad-length",
      length: 5,
      available: 2,
    });
    expect(corruptDetails(() => scanMetTag(bytes("02 0100 01 0800 74696e79"), 0))).toMatchObject({
      offset: 4,
      reason: "bad-length",
      length: 8,
      available: 4,
    });
    expect(corruptDetails(() => scanMetTag(bytes("07 0100 35 ffffffff 00"), 0))).toMatchObject({
      offset: 4,
      reason: "bad-length",
      length: 0xffffffff,
    });
    expect(corruptDetails(() => scanMetTag(bytes("06 0100 42 1000 ff"), 0))).toMatchObject({
      offset: 4,
      reason: "bad-length",
      length: 3,
    });
  });

  it("refuses offsets and ends outside the input", () => {
    expect(() => decodeMetTag(bytes("0301000201000000"), -1)).toThrow(RangeError);
    expect(() => decodeMetTag(bytes("0301000201000000"), 9)).toThrow(RangeError);
    expect(() => decodeMetTag(bytes("0301000201000000"), 0, 99)).toThrow(RangeError);
    expect(() => decodeMetTag([3, 1, 0, 2, 1, 0, 0, 0] as unknown as Uint8Array)).toThrow(
      TypeError,
    );
  });

  it("honours the end bound rather than the array length", () => {
    const input = bytes("03010002 0d000000");
    expect(corruptDetails(() => scanMetTag(input, 0, 7))).toMatchObject({ reason: "truncated" });
    expect(() => decodeMetTag(input, 0, 7)).toThrow();
  });
});
