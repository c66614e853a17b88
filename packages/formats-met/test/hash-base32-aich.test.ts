import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { aichLeafCount } from "../src/hash/aich-leaf-count.js";
import { aichRootFromLeaves } from "../src/hash/aich-root-from-leaves.js";
import { base32Decode, base32Encode } from "../src/hash/base32.js";
import { ed2kPartHashCount } from "../src/hash/ed2k-part-hash-count.js";
import { known2MetCodec } from "../src/known2/known2-met-codec.js";
import { AMULE_SET1 } from "./support/amule-file-set.js";
import { expectCorrupt, fromHex, toHex } from "./support/corrupt.js";
import { readSet1 } from "./support/read-fixture.js";

const ascii = (s: string) => new TextEncoder().encode(s);

describe("base32", () => {
  // RFC 4648 §10 test vectors, without the padding.
  const vectors: ReadonlyArray<readonly [string, string]> = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  it.each(vectors)("encodes %j as %j and decodes it back", (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded);
    expect(new TextDecoder().decode(base32Decode(encoded))).toBe(plain);
  });

  it("turns tiny.txt's AICH root into the FT_AICH_HASH string aMule wrote", () => {
    const root = fromHex("4EFDC3233C050BDAC8BE36524488AA4EBDD48A31");
    expect(base32Encode(root)).toBe("J364GIZ4AUF5VSF6GZJEJCFKJ265JCRR");
    expect(toHex(base32Decode("J364GIZ4AUF5VSF6GZJEJCFKJ265JCRR"))).toBe(toHex(root));
  });

  it("decodes strictly: every accepted string re-encodes to itself", () => {
    expectCorrupt(() => base32Decode("mzxw6"), 0, "bad-value");
    expectCorrupt(() => base32Decode("MZXW6==="), 5, "bad-value");
    expectCorrupt(() => base32Decode("MZ1W6"), 2, "bad-value");
    expectCorrupt(() => base32Decode("MZX"), 3, "bad-value");
    expectCorrupt(() => base32Decode("M"), 1, "bad-value");
    expectCorrupt(() => base32Decode("MZ"), 1, "bad-value");
    expectCorrupt(() => base32Decode("MZXW6YÉ"), 6, "bad-value");
    expectCorrupt(() => base32Decode("MZXW6Y"), 6, "bad-value");
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      expect(toHex(base32Decode(base32Encode(bytes)))).toBe(toHex(bytes));
    }
  });
});

describe("part hash and AICH leaf counts", () => {
  it("follows P = n ? n + 1 : 0 with n = size / PARTSIZE", () => {
    expect(ed2kPartHashCount(0)).toBe(0);
    expect(ed2kPartHashCount(9_727_999)).toBe(0);
    expect(ed2kPartHashCount(9_728_000)).toBe(2);
    expect(ed2kPartHashCount(12_345_678)).toBe(2);
    expect(ed2kPartHashCount(4_400_000_000)).toBe(453);
    expect(() => ed2kPartHashCount(-1)).toThrow(RangeError);
  });

  it("follows L = 53·⌊size/PARTSIZE⌋ + ⌈(size mod PARTSIZE)/EMBLOCKSIZE⌉", () => {
    expect(aichLeafCount(1)).toBe(1);
    expect(aichLeafCount(184_320)).toBe(1);
    expect(aichLeafCount(184_321)).toBe(2);
    expect(aichLeafCount(9_728_000)).toBe(53);
    expect(aichLeafCount(9_728_001)).toBe(54);
    expect(aichLeafCount(12_345_678)).toBe(68);
    expect(aichLeafCount(0)).toBe(1);
    expect(() => aichLeafCount(1.5)).toThrow(RangeError);
  });
});

describe("aichRootFromLeaves", () => {
  it("recomputes the root of every hashset aMule stored, from its leaves alone", () => {
    const entries = known2MetCodec.decode(readSet1("known2_64.met")).entries;
    // Pair each entry with a file of the set by leaf count (unique in set1, except single-leaf ones).
    for (const file of AMULE_SET1) {
      const candidates = entries.filter((e) => e.leaves.length / 20 === aichLeafCount(file.size));
      expect(candidates.length).toBeGreaterThan(0);
      const matches = candidates.filter(
        (e) => toHex(aichRootFromLeaves(file.size, e.leaves)) === toHex(e.root),
      );
      expect(matches.length, file.name).toBeGreaterThan(0);
    }
  });

  it("gives a right child the smaller half of its blocks (hand-derived tree)", () => {
    // PARTSIZE + 3 blocks: root = SHA1(part0 ‖ R), part0 being a left child like a one-part
    // file's root, and R the 3-block right child split 1 | 2 (a left child would split 2 | 1).
    const size = 9_728_000 + 3 * 184_320;
    const leaves = new Uint8Array(56 * 20).map((_, i) => (i * 7 + (i >> 5)) & 0xff);
    const leaf = (k: number) => leaves.subarray(k * 20, k * 20 + 20);
    const sha1 = (...parts: Uint8Array[]) => {
      const h = createHash("sha1");
      for (const p of parts) h.update(p);
      return new Uint8Array(h.digest());
    };
    const part0 = aichRootFromLeaves(9_728_000, leaves.subarray(0, 53 * 20));
    const right = sha1(leaf(53), sha1(leaf(54), leaf(55)));
    expect(toHex(aichRootFromLeaves(size, leaves))).toBe(toHex(sha1(part0, right)));
    const wrongRight = sha1(sha1(leaf(53), leaf(54)), leaf(55));
    expect(toHex(aichRootFromLeaves(size, leaves))).not.toBe(toHex(sha1(part0, wrongRight)));
  });

  it("refuses a leaf list of the wrong length", () => {
    expect(() => aichRootFromLeaves(184_321, new Uint8Array(20))).toThrow(RangeError);
  });
});
