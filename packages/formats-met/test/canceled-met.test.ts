import { isPersistenceError } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { addAmuleCanceledFile } from "../src/canceled/add-amule-canceled-file.js";
import { amuleCanceledMetCodec } from "../src/canceled/amule-canceled-met-codec.js";
import { isAmuleCanceledFile } from "../src/canceled/is-amule-canceled-file.js";
import { removeAmuleCanceledFile } from "../src/canceled/remove-amule-canceled-file.js";
import { expectCorrupt, fromHex, toHex } from "./support/corrupt.js";
import { readSet1 } from "./support/read-fixture.js";

const H = (byte: number, last = 0): Uint8Array => {
  const h = new Uint8Array(16).fill(byte);
  h[15] = last;
  return h;
};
const encode = (hashes: Uint8Array[]): Uint8Array =>
  concatChunks(amuleCanceledMetCodec.encode({ hashes }));

describe("amuleCanceledMetCodec", () => {
  it("decodes aMule's own canceled.met and re-encodes it byte for byte", () => {
    const bytes = readSet1("canceled.met");
    const value = amuleCanceledMetCodec.decode(bytes);
    expect(value.hashes.map(toHex)).toEqual(["0123456789ABCDEFFEDCBA9876543210"]);
    expect(toHex(concatChunks(amuleCanceledMetCodec.encode(value)))).toBe(toHex(bytes));
  });

  it("keeps order, duplicates and all-zero hashes for a byte-exact round trip", () => {
    const bytes = encode([H(9), H(1), H(9), H(0)]);
    expect(bytes.length).toBe(5 + 4 * 16);
    const value = amuleCanceledMetCodec.decode(bytes);
    expect(value.hashes.map(toHex)).toEqual([H(9), H(1), H(9), H(0)].map(toHex));
    expect(toHex(concatChunks(amuleCanceledMetCodec.encode(value)))).toBe(toHex(bytes));
  });

  it("encodes a large list into several chunks that concatenate to the exact file", () => {
    const hashes = Array.from({ length: 40_000 }, (_, i) => {
      const h = new Uint8Array(16);
      new DataView(h.buffer).setUint32(0, i, false);
      return h;
    });
    const chunks = [...amuleCanceledMetCodec.encode({ hashes })];
    expect(chunks.length).toBeGreaterThan(1);
    const bytes = concatChunks(chunks);
    expect(bytes.length).toBe(5 + 40_000 * 16);
    expect(amuleCanceledMetCodec.decode(bytes).hashes[39_999]).toEqual(hashes[39_999]);
  });

  it("rejects bad input with ERR_CORRUPT, offset and reason", () => {
    expectCorrupt(() => amuleCanceledMetCodec.decode(new Uint8Array(0)), 0, "truncated");
    // An eMule cancelled.met is not an aMule canceled.met.
    expectCorrupt(
      () => amuleCanceledMetCodec.decode(fromHex("0f01785634120000000000")),
      0,
      "bad-header",
    );
    expectCorrupt(() => amuleCanceledMetCodec.decode(fromHex("210100")), 1, "truncated");
    expectCorrupt(() => amuleCanceledMetCodec.decode(fromHex("21ffffffff00")), 1, "bad-length");
    const e = expectCorrupt(
      () => amuleCanceledMetCodec.decode(fromHex(`2102000000${"11".repeat(31)}`)),
      1,
      "bad-length",
    );
    expect(e.details?.available).toBe(31);
    expectCorrupt(
      () => amuleCanceledMetCodec.decode(fromHex(`2101000000${"11".repeat(16)}00`)),
      21,
      "trailing-data",
    );
  });

  it("refuses to encode a hash that is not 16 bytes", () => {
    let caught: unknown;
    try {
      [...amuleCanceledMetCodec.encode({ hashes: [new Uint8Array(15)] })];
    } catch (error) {
      caught = error;
    }
    expect(isPersistenceError(caught, "ERR_ENCODE")).toBe(true);
  });
});

describe("aMule canceled-file helpers", () => {
  it("inserts in memcmp order without duplicates, like aMule's std::set", () => {
    let list = { hashes: [] as readonly Uint8Array[] };
    for (const h of [H(5), H(1), H(0xff), H(5), H(1, 1), H(0x80)])
      list = addAmuleCanceledFile(list, h);
    expect(list.hashes.map(toHex)).toEqual([H(1), H(1, 1), H(5), H(0x80), H(0xff)].map(toHex));
  });

  it("returns a new value and leaves the input untouched", () => {
    const before = { hashes: [H(2)] };
    const after = addAmuleCanceledFile(before, H(1));
    expect(before.hashes).toHaveLength(1);
    expect(after.hashes.map(toHex)).toEqual([H(1), H(2)].map(toHex));
  });

  it("normalises a list not written by aMule: zero hashes dropped, sorted, deduplicated", () => {
    const list = addAmuleCanceledFile({ hashes: [H(9), H(0), H(3), H(9)] }, H(4));
    expect(list.hashes.map(toHex)).toEqual([H(3), H(4), H(9)].map(toHex));
    expect(addAmuleCanceledFile({ hashes: [H(2)] }, H(0)).hashes.map(toHex)).toEqual([toHex(H(2))]);
  });

  it("matches the hash list aMule wrote after cancelling one download", () => {
    const value = addAmuleCanceledFile({ hashes: [] }, fromHex("0123456789ABCDEFFEDCBA9876543210"));
    expect(toHex(concatChunks(amuleCanceledMetCodec.encode(value)))).toBe(
      toHex(readSet1("canceled.met")),
    );
  });

  it("checks and removes hashes", () => {
    const list = { hashes: [H(1), H(3)] };
    expect(isAmuleCanceledFile(list, H(3))).toBe(true);
    expect(isAmuleCanceledFile(list, H(2))).toBe(false);
    expect(isAmuleCanceledFile({ hashes: [H(0)] }, H(0))).toBe(false);
    expect(removeAmuleCanceledFile(list, H(1)).hashes.map(toHex)).toEqual([toHex(H(3))]);
    expect(removeAmuleCanceledFile(list, H(2))).toBe(list);
    expect(() => isAmuleCanceledFile(list, new Uint8Array(4))).toThrow(TypeError);
  });
});
