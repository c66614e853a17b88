import { isPersistenceError } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { appendKnown2Entry } from "../src/known2/append-known2-entry.js";
import type { Known2Entry } from "../src/known2/known2-met.js";
import { known2MetCodec } from "../src/known2/known2-met-codec.js";
import { salvageKnown2Met } from "../src/known2/salvage-known2-met.js";
import { expectCorrupt, fromHex, toHex } from "./support/corrupt.js";
import { readSet1 } from "./support/read-fixture.js";

const fixture = readSet1("known2_64.met");

function entry(fill: number, leaves: number): Known2Entry {
  const leafBytes = new Uint8Array(leaves * 20);
  for (let i = 0; i < leafBytes.length; i++) leafBytes[i] = (fill + i) & 0xff;
  return { root: new Uint8Array(20).fill(fill), leaves: leafBytes };
}

/** End offsets of the fixture's entries, walked independently of the codec. */
function entryEnds(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends: number[] = [];
  for (let p = 1; p < bytes.length; ) {
    p += 24 + dv.getUint32(p + 20, true) * 20;
    ends.push(p);
  }
  return ends;
}

describe("known2MetCodec", () => {
  it("decodes aMule's own known2_64.met and re-encodes it byte for byte", () => {
    const value = known2MetCodec.decode(fixture);
    expect(value.entries.map((e) => e.leaves.length / 20)).toEqual([1, 1, 1, 68, 53, 2]);
    // tiny.txt: one leaf equal to the root (docs/met-format.md#worked-examples).
    const tiny = value.entries.find((e) => toHex(e.root).startsWith("4EFDC323"));
    expect(tiny && toHex(tiny.leaves)).toBe(tiny && toHex(tiny.root));
    expect(toHex(concatChunks(known2MetCodec.encode(value)))).toBe(toHex(fixture));
  });

  it("round-trips an empty file (version byte only) and entries with zero leaves", () => {
    expect(known2MetCodec.decode(fromHex("02")).entries).toEqual([]);
    const bytes = concatChunks(known2MetCodec.encode({ entries: [entry(7, 0), entry(8, 3)] }));
    expect(bytes.length).toBe(1 + 24 + 24 + 60);
    expect(toHex(concatChunks(known2MetCodec.encode(known2MetCodec.decode(bytes))))).toBe(
      toHex(bytes),
    );
  });

  it("encodes big hashsets into several chunks that concatenate to the exact file", () => {
    const big = { entries: [entry(1, 30_000), entry(2, 5), entry(3, 20_000)] };
    const chunks = [...known2MetCodec.encode(big)];
    expect(chunks.length).toBeGreaterThan(2);
    const decoded = known2MetCodec.decode(concatChunks(chunks));
    expect(decoded.entries.map((e) => toHex(e.leaves))).toEqual(
      big.entries.map((e) => toHex(e.leaves)),
    );
  });

  it("rejects bad input with ERR_CORRUPT, offset, reason and where a client would cut", () => {
    expectCorrupt(() => known2MetCodec.decode(new Uint8Array(0)), 0, "truncated");
    const bad = expectCorrupt(() => known2MetCodec.decode(fromHex("01")), 0, "bad-header");
    expect(bad.details?.validLength).toBe(0);
    const ends = entryEnds(fixture);
    const cutInCount = expectCorrupt(
      () => known2MetCodec.decode(fixture.subarray(0, (ends[0] as number) + 22)),
      ends[0] as number,
      "truncated",
    );
    expect(cutInCount.details?.validLength).toBe(ends[0]);
    expect(cutInCount.details?.entries).toBe(1);
    const cutInLeaves = expectCorrupt(
      () => known2MetCodec.decode(fixture.subarray(0, (ends[3] as number) - 1)),
      (ends[2] as number) + 20,
      "bad-length",
    );
    expect(cutInLeaves.details?.validLength).toBe(ends[2]);
    // A count of 0xFFFFFFFF is refused before anything is allocated.
    expectCorrupt(
      () => known2MetCodec.decode(fromHex(`02 ${"aa".repeat(20)} ffffffff`)),
      21,
      "bad-length",
    );
  });

  it("refuses to encode entries with a short root or partial leaves", () => {
    for (const e of [
      { root: new Uint8Array(19), leaves: new Uint8Array(20) },
      { root: new Uint8Array(20), leaves: new Uint8Array(21) },
    ]) {
      let caught: unknown;
      try {
        [...known2MetCodec.encode({ entries: [e] })];
      } catch (error) {
        caught = error;
      }
      expect(isPersistenceError(caught, "ERR_ENCODE")).toBe(true);
    }
  });
});

describe("salvageKnown2Met", () => {
  it("keeps the entries before any cut and reports the client's truncation length", () => {
    const ends = entryEnds(fixture);
    const good = known2MetCodec.decode(fixture).entries;
    for (let cut = 0; cut <= fixture.length; cut += 7) {
      const { value, validLength, error } = salvageKnown2Met(fixture.subarray(0, cut));
      const complete = ends.filter((e) => e <= cut);
      const expectedLength = cut === 0 ? 0 : (complete[complete.length - 1] ?? 1);
      expect(validLength, `cut ${cut}`).toBe(expectedLength);
      expect(value.entries.map((e) => toHex(e.root))).toEqual(
        good.slice(0, complete.length).map((e) => toHex(e.root)),
      );
      expect(error === undefined, `cut ${cut}`).toBe(cut > 0 && cut === expectedLength);
      if (error !== undefined) expect(isPersistenceError(error, "ERR_CORRUPT")).toBe(true);
    }
  });

  it("cuts to 0 on a bad version byte and leaves intact files whole", () => {
    const bad = new Uint8Array(fixture);
    bad[0] = 0x03;
    const s = salvageKnown2Met(bad);
    expect(s.validLength).toBe(0);
    expect(s.value.entries).toEqual([]);
    expect(s.error?.details?.reason).toBe("bad-header");
    const ok = salvageKnown2Met(fixture);
    expect(ok.validLength).toBe(fixture.length);
    expect(ok.error).toBeUndefined();
  });
});

describe("appendKnown2Entry", () => {
  it("returns nothing when the root is already in the file", () => {
    const existing = known2MetCodec.decode(fixture).entries[3] as Known2Entry;
    expect(appendKnown2Entry(fixture, existing).length).toBe(0);
    expect(appendKnown2Entry(known2MetCodec.decode(fixture), existing).length).toBe(0);
  });

  it("returns exactly the bytes to append, so that the grown file decodes with the new entry last", () => {
    const added = entry(0x5a, 3);
    const tail = appendKnown2Entry(fixture, added);
    expect(toHex(tail)).toBe(toHex(fromHex(`${"5a".repeat(20)} 03000000 ${toHex(added.leaves)}`)));
    const grown = concatChunks([fixture, tail]);
    const entries = known2MetCodec.decode(grown).entries;
    expect(entries).toHaveLength(7);
    expect(toHex(entries[6]?.root as Uint8Array)).toBe(toHex(added.root));
    expect(toHex(appendKnown2Entry(known2MetCodec.decode(fixture), added))).toBe(toHex(tail));
  });

  it("starts a missing (empty) file with the version byte", () => {
    const added = entry(1, 1);
    const bytes = appendKnown2Entry(new Uint8Array(0), added);
    expect(bytes[0]).toBe(0x02);
    expect(known2MetCodec.decode(bytes).entries.map((e) => toHex(e.root))).toEqual([
      toHex(added.root),
    ]);
  });

  it("refuses a damaged file (truncate it first) and a malformed entry", () => {
    expectCorrupt(() => appendKnown2Entry(fixture.subarray(0, 30), entry(1, 1)), 21, "bad-length");
    let caught: unknown;
    try {
      appendKnown2Entry(fixture, { root: new Uint8Array(20), leaves: new Uint8Array(7) });
    } catch (error) {
      caught = error;
    }
    expect(isPersistenceError(caught, "ERR_ENCODE")).toBe(true);
  });
});

describe("known2MetCodec on Buffer input", () => {
  it("returns plain Uint8Array copies that do not share memory with the input", () => {
    const input = Buffer.from(fixture);
    const value = known2MetCodec.decode(input);
    const first = value.entries[0] as Known2Entry;
    expect(Object.getPrototypeOf(first.root)).toBe(Uint8Array.prototype);
    const before = toHex(first.root);
    input.fill(0);
    expect(toHex(first.root)).toBe(before);
  });
});
