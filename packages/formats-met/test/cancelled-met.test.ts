import { createHash } from "node:crypto";
import { isPersistenceError } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { addCancelledFile } from "../src/cancelled/add-cancelled-file.js";
import { cancelledFileId } from "../src/cancelled/cancelled-file-id.js";
import type { EmuleCancelledMet } from "../src/cancelled/emule-cancelled-met.js";
import { emuleCancelledMetCodec } from "../src/cancelled/emule-cancelled-met-codec.js";
import { isCancelledFile } from "../src/cancelled/is-cancelled-file.js";
import { expectCorrupt, fromHex, toHex } from "./support/corrupt.js";

const HASH = fromHex("0123456789ABCDEFFEDCBA9876543210");
const OTHER = fromHex("00112233445566778899AABBCCDDEEFF");
// MD5(78 56 34 12 ‖ 01 23 … 32 10), computed with `md5sum` and Python's hashlib by hand.
const SALTED_ID = "1FA192617E0BCB1382A360D37B31CA17";
// docs/met-format.md#worked-examples: the eMule cancelled.met with that single entry and seed 0x12345678 (27 bytes).
const SPEC_FILE = `0f 01 78563412 01000000 ${SALTED_ID} 00`;

const encode = (value: EmuleCancelledMet): Uint8Array =>
  concatChunks(emuleCancelledMetCodec.encode(value));

describe("cancelledFileId", () => {
  it("is MD5 of the seed as 4 little-endian bytes followed by the MD4 hash (hand-checked vector)", () => {
    expect(toHex(cancelledFileId(0x12345678, HASH))).toBe(SALTED_ID);
  });

  it("agrees with node:crypto MD5 over independently built input for other seeds", () => {
    for (const seed of [1, 0xfffffffe, 0x80000000, 42]) {
      const input = Buffer.alloc(20);
      input.writeUInt32LE(seed, 0);
      Buffer.from(OTHER).copy(input, 4);
      const expected = createHash("md5").update(input).digest("hex").toUpperCase();
      expect(toHex(cancelledFileId(seed, OTHER))).toBe(expected);
    }
  });

  it("rejects bad seeds and hashes", () => {
    expect(() => cancelledFileId(-1, HASH)).toThrow(RangeError);
    expect(() => cancelledFileId(2 ** 32, HASH)).toThrow(RangeError);
    expect(() => cancelledFileId(1, new Uint8Array(20))).toThrow(TypeError);
  });
});

describe("emuleCancelledMetCodec", () => {
  it("decodes the SPEC example and re-encodes it byte for byte", () => {
    const bytes = fromHex(SPEC_FILE);
    expect(bytes.length).toBe(27);
    const value = emuleCancelledMetCodec.decode(bytes);
    expect(value.format).toBe("salted");
    expect(value.version).toBe(1);
    expect(value.seed).toBe(0x12345678);
    expect(value.entries.map((e) => toHex(e.id))).toEqual([SALTED_ID]);
    expect(value.entries[0]?.tags).toEqual([]);
    expect(toHex(encode(value))).toBe(toHex(bytes));
    expect(isCancelledFile(value, HASH)).toBe(true);
    expect(isCancelledFile(value, OTHER)).toBe(false);
  });

  it("keeps entry tags in wire form (old and compact headers) for an exact round trip", () => {
    // entry 1: 2 tags: UINT32 old header id 0x19 = 5; compact STRING id 0x01 "ab"
    // entry 2: 1 tag: UINT8 with a string name "xy" = 7
    const bytes = fromHex(
      `0f 01 0a000000 02000000
       ${"11".repeat(16)} 02  03 0100 19 05000000  82 01 0200 6162
       ${"22".repeat(16)} 01  09 0200 7879 07`,
    );
    const value = emuleCancelledMetCodec.decode(bytes);
    expect(value.entries).toHaveLength(2);
    expect(value.entries[0]?.tags.map((t) => t.value)).toEqual([5, "ab"]);
    expect(value.entries[0]?.tags[1]?.compact).toBe(true);
    expect(value.entries[1]?.tags[0]?.name).toBe("xy");
    expect(toHex(encode(value))).toBe(toHex(bytes));
  });

  it("decodes the old 0x0E format (plain hashes) and re-encodes it identically", () => {
    const bytes = fromHex(`0e 02000000 ${toHex(HASH)} 00 ${toHex(OTHER)} 00`);
    const value = emuleCancelledMetCodec.decode(bytes);
    expect(value.format).toBe("legacy");
    expect(value.seed).toBe(0);
    expect(value.entries.map((e) => toHex(e.id))).toEqual([toHex(HASH), toHex(OTHER)]);
    expect(toHex(encode(value))).toBe(toHex(bytes));
    expect(isCancelledFile(value, OTHER)).toBe(true);
  });

  it("rejects bad input with ERR_CORRUPT, offset and reason", () => {
    const d = (hex: string) => () => emuleCancelledMetCodec.decode(fromHex(hex));
    expectCorrupt(d(""), 0, "truncated");
    // aMule's canceled.met is not eMule's cancelled.met.
    expectCorrupt(d(`21 01000000 ${toHex(HASH)}`), 0, "bad-header");
    expectCorrupt(d("0f 02 78563412 00000000"), 1, "bad-header");
    expectCorrupt(d("0f 01 7856"), 2, "truncated");
    expectCorrupt(d("0f 01 78563412 0000"), 6, "truncated");
    const big = expectCorrupt(d("0f 01 78563412 ffffffff 00"), 6, "bad-length");
    expect(big.details?.available).toBe(1);
    expectCorrupt(
      d(`0f 01 78563412 01000000 ${"11".repeat(16)} 01 0a 0100 01 00`),
      27,
      "unknown-tag-type",
    );
    expectCorrupt(
      d(`0f 01 78563412 01000000 ${"11".repeat(16)} 01 03 0100 01 0000`),
      31,
      "truncated",
    );
    expectCorrupt(d(`0f 01 78563412 01000000 ${"11".repeat(16)} 00 ff`), 27, "trailing-data");
    expectCorrupt(d(`0e 02000000 ${"11".repeat(16)} 00 ${"22".repeat(16)}`), 1, "bad-length");
    // Passes the count check (>= 17 bytes per entry) but entry 2 is cut short after entry 1's tag.
    expectCorrupt(
      d(`0e 02000000 ${"11".repeat(16)} 01 09 0100 01 05 ${"22".repeat(16)}`),
      27,
      "truncated",
    );
  });

  it("refuses to encode values no reader could read back", () => {
    const bad: EmuleCancelledMet[] = [
      { format: "salted", version: 2, seed: 1, entries: [] },
      { format: "salted", version: 1, seed: -1, entries: [] },
      { format: "salted", version: 1, seed: 1, entries: [{ id: new Uint8Array(4), tags: [] }] },
    ];
    for (const value of bad) {
      let caught: unknown;
      try {
        encode(value);
      } catch (error) {
        caught = error;
      }
      expect(isPersistenceError(caught, "ERR_ENCODE")).toBe(true);
    }
  });
});

describe("addCancelledFile / isCancelledFile", () => {
  it("creates a seed from the injected random source and writes the SPEC file", () => {
    const empty: EmuleCancelledMet = { format: "salted", version: 1, seed: 0, entries: [] };
    const value = addCancelledFile(empty, HASH, { random: () => 0x12345677 });
    expect(value.seed).toBe(0x12345678);
    expect(toHex(encode(value))).toBe(toHex(fromHex(SPEC_FILE)));
    expect(empty.entries).toHaveLength(0);
  });

  it("keeps seeds in 1..0xFFFFFFFE for every random value", () => {
    const empty: EmuleCancelledMet = { format: "salted", version: 1, seed: 0, entries: [] };
    expect(addCancelledFile(empty, HASH, { random: () => 0 }).seed).toBe(1);
    expect(addCancelledFile(empty, HASH, { random: () => 0xfffffffd }).seed).toBe(0xfffffffe);
    expect(addCancelledFile(empty, HASH, { random: () => 0xfffffffe }).seed).toBe(1);
    expect(addCancelledFile(empty, HASH, { random: () => 0xffffffff }).seed).toBe(2);
    const seed = addCancelledFile(empty, HASH).seed;
    expect(seed).toBeGreaterThanOrEqual(1);
    expect(seed).toBeLessThanOrEqual(0xfffffffe);
    expect(() => addCancelledFile(empty, HASH, { random: () => 1.5 })).toThrow(RangeError);
  });

  it("keeps an existing seed and does not add the same file twice", () => {
    const base = emuleCancelledMetCodec.decode(fromHex(SPEC_FILE));
    const random = () => {
      throw new Error("must not draw a new seed");
    };
    expect(addCancelledFile(base, HASH, { random }).entries).toHaveLength(1);
    const more = addCancelledFile(base, OTHER, { random });
    expect(more.seed).toBe(0x12345678);
    expect(more.entries.map((e) => toHex(e.id))).toEqual([
      SALTED_ID,
      toHex(cancelledFileId(0x12345678, OTHER)),
    ]);
    expect(isCancelledFile(more, OTHER)).toBe(true);
    expect(isCancelledFile(more, HASH)).toBe(true);
  });

  it("converts a legacy list to salted ids with the new seed, as eMule does on load", () => {
    const legacy = emuleCancelledMetCodec.decode(fromHex(`0e 01000000 ${toHex(HASH)} 00`));
    const value = addCancelledFile(legacy, OTHER, { random: () => 0x12345677 });
    expect(value.format).toBe("salted");
    expect(value.entries.map((e) => toHex(e.id))).toEqual([
      SALTED_ID,
      toHex(cancelledFileId(0x12345678, OTHER)),
    ]);
    expect(isCancelledFile(value, HASH)).toBe(true);
  });

  it("treats a salted list with seed 0 as matching nothing, like eMule after it re-seeds", () => {
    const zero: EmuleCancelledMet = {
      format: "salted",
      version: 1,
      seed: 0,
      entries: [{ id: cancelledFileId(0, HASH), tags: [] }],
    };
    expect(isCancelledFile(zero, HASH)).toBe(false);
    const value = addCancelledFile(zero, OTHER, { random: () => 6 });
    expect(value.seed).toBe(7);
    expect(value.entries).toHaveLength(2);
    expect(isCancelledFile(value, HASH)).toBe(false);
    expect(isCancelledFile(value, OTHER)).toBe(true);
  });
});
