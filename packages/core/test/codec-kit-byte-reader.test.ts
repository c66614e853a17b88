import { describe, expect, it } from "vitest";
import { corruptError, createByteReader } from "../src/codec-kit/index.js";
import { isPersistenceError } from "../src/index.js";

function corruptDetails(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
    return (error as { details: Record<string, unknown> }).details;
  }
  throw new Error("expected ERR_CORRUPT");
}

describe("createByteReader", () => {
  it("reads little-endian integers, floats and views without copying", () => {
    const bytes = Uint8Array.of(
      0x01,
      0x02,
      0x03,
      0x04,
      0x05,
      0x06,
      0x07,
      0x08,
      0x09,
      0,
      0,
      0x80,
      0x3f,
      0xaa,
      0xbb,
    );
    const r = createByteReader(bytes);
    expect(r.u8()).toBe(0x01);
    expect(r.u16()).toBe(0x0302);
    expect(r.u32()).toBe(0x07060504);
    r.offset = 1;
    expect(r.u64()).toBe(0x0908070605040302n);
    expect(r.remaining).toBe(6);
    r.offset = 9;
    expect(r.f32()).toBe(1);
    const v = r.view(2);
    expect([...v]).toEqual([0xaa, 0xbb]);
    expect(v.buffer).toBe(bytes.buffer);
    expect(r.remaining).toBe(0);
  });

  it("respects a sub-range of a larger buffer", () => {
    const backing = Uint8Array.of(9, 9, 0x34, 0x12, 9);
    const r = createByteReader(backing.subarray(2, 4));
    expect(r.u16()).toBe(0x1234);
    expect(() => r.u8()).toThrow();
  });

  it("throws truncated at the field offset when a fixed-size field runs off the end", () => {
    const r = createByteReader(Uint8Array.of(1, 2, 3));
    r.u8();
    expect(corruptDetails(() => r.u32())).toMatchObject({
      offset: 1,
      reason: "truncated",
      available: 2,
    });
    expect(r.offset).toBe(1);
  });

  it("throws bad-length at the length field when an announced length exceeds the input", () => {
    const r = createByteReader(Uint8Array.of(10, 0, 1, 2, 3));
    const at = r.offset;
    const length = r.u16();
    expect(corruptDetails(() => r.announced(length, at))).toMatchObject({
      offset: 0,
      reason: "bad-length",
      length: 10,
      available: 3,
    });
    expect(corruptDetails(() => r.expectCount(2, 2, at))).toMatchObject({ reason: "bad-length" });
    expect(() => r.expectCount(1, 3, at)).not.toThrow();
    expect([...r.announced(3, at)]).toEqual([1, 2, 3]);
  });

  it("refuses a computed length that is not a byte count with bad-length, never moving backwards", () => {
    const r = createByteReader(Uint8Array.of(1, 2, 3, 4));
    r.u8();
    for (const length of [-1, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(corruptDetails(() => r.view(length))).toMatchObject({
        reason: "bad-length",
        offset: 1,
      });
      expect(corruptDetails(() => r.skip(length))).toMatchObject({ reason: "bad-length" });
      expect(corruptDetails(() => r.announced(length, 0))).toMatchObject({
        reason: "bad-length",
        offset: 0,
      });
      expect(corruptDetails(() => r.expectCount(length, 1, 0))).toMatchObject({
        reason: "bad-length",
      });
      expect(r.offset).toBe(1);
    }
    expect([...r.view(3)]).toEqual([2, 3, 4]);
  });

  it("rejects impossible construction arguments", () => {
    expect(() => createByteReader(null as unknown as Uint8Array)).toThrow(/must be a Uint8Array/);
    expect(() => createByteReader(Uint8Array.of(1), 2)).toThrow(RangeError);
    expect(() => createByteReader(Uint8Array.of(1), 0, 5)).toThrow(RangeError);
    expect(() => createByteReader([1] as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe("corruptError", () => {
  it("builds ERR_CORRUPT with the offset in the message and offset, reason and extra in details", () => {
    const error = corruptError("Bad header", 7, "bad-header", { length: 3, offset: -1 });
    expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
    expect(error.message).toBe("Bad header (at byte 7)");
    expect(error.details).toEqual({ length: 3, offset: 7, reason: "bad-header" });
  });
});

describe("corruptError cause", () => {
  it("keeps the cause when one is given, and sets none otherwise", () => {
    const cause = new SyntaxError("bad");
    expect(corruptError("Not JSON", 3, "bad-value", undefined, cause).cause).toBe(cause);
    expect("cause" in corruptError("Not JSON", 3, "bad-value")).toBe(false);
  });
});
