import { describe, expect, it } from "vitest";
import { Md4SlotIndex, md4SlotHash, type SlotHashSource } from "../src/known-met/md4-slot-index.js";

/** Hashes held in an array; counts how often the index reads one (once per occupied slot probed). */
class CountingSource implements SlotHashSource {
  reads = 0;
  constructor(readonly hashes: Uint8Array[]) {}
  hashBytes(slot: number): Uint8Array {
    this.reads++;
    return this.hashes[slot] as Uint8Array;
  }
  hashOffset(): number {
    return 0;
  }
}

/** `count` distinct hashes that share their first `prefix` bytes; `fill` writes the rest. */
function family(
  prefix: number,
  count: number,
  fill: (hash: Uint8Array, i: number) => void,
): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const hash = new Uint8Array(16).fill(0x5a, 0, prefix);
    fill(hash, i);
    return hash;
  });
}

function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 24;
  };
}

/**
 * Adversarial families: shared prefixes of 2–15 bytes, counters at either end of the rest. The
 * index holds the first half of each; the second half are hashes of the same shape it does not hold.
 */
function adversarialFamilies(): [string, Uint8Array[]][] {
  const out: [string, Uint8Array[]][] = [];
  for (let prefix = 2; prefix <= 15; prefix++) {
    const count = prefix === 15 ? 256 : 4096;
    out.push([
      `${prefix}-byte prefix, counter at the end (big-endian)`,
      family(prefix, count, (h, i) => {
        h[15] = i & 0xff;
        if (prefix < 15) h[14] = i >>> 8;
      }),
    ]);
    out.push([
      `${prefix}-byte prefix, counter right after it (little-endian)`,
      family(prefix, count, (h, i) => {
        h[prefix] = i & 0xff;
        if (prefix < 15) h[prefix + 1] = i >>> 8;
      }),
    ]);
    if (prefix <= 12) {
      const next = lcg(prefix);
      out.push([
        `${prefix}-byte prefix, random rest`,
        family(prefix, count, (h, i) => {
          for (let k = prefix; k < 16; k++) h[k] = next();
          h[prefix] = i & 0xff;
          h[prefix + 1] = i >>> 8;
        }),
      ]);
    }
  }
  // Sequential big-endian and little-endian 32-bit counters in the first word, zeros elsewhere.
  out.push([
    "sequential first word (big-endian)",
    family(0, 4096, (h, i) => writeU32(h, i, false)),
  ]);
  out.push([
    "sequential first word (little-endian)",
    family(0, 4096, (h, i) => writeU32(h, i, true)),
  ]);
  return out;
}

function writeU32(hash: Uint8Array, value: number, littleEndian: boolean): void {
  new DataView(hash.buffer).setUint32(0, value, littleEndian);
}

/**
 * Inserts the first half of `all`, finds each of them and each hash of the second half (not held),
 * then removes every other one and finds them all again. Returns the hash reads per operation. Linear probing at most half full
 * reads about 1.5 hashes per operation when the home positions are spread; a family that lands on
 * a few positions reads O(entries) per operation.
 */
function readsPerOperation(all: Uint8Array[], seed: number | undefined): number {
  const hashes = all.slice(0, all.length >> 1);
  const absent = all.slice(all.length >> 1);
  const source = new CountingSource(hashes);
  const index = new Md4SlotIndex(source, 0, seed);
  for (let slot = 0; slot < hashes.length; slot++) index.insert(slot);
  let operations = hashes.length;
  let wrong = 0;
  for (let slot = 0; slot < hashes.length; slot++) {
    if (index.find(hashes[slot] as Uint8Array, 0) !== slot) wrong++;
    if (index.find(absent[slot] as Uint8Array, 0) !== -1) wrong++;
    operations += 2;
  }
  for (let slot = 0; slot < hashes.length; slot += 2) {
    if (index.remove(hashes[slot] as Uint8Array, 0) !== slot) wrong++;
    operations++;
  }
  for (let slot = 0; slot < hashes.length; slot++) {
    if (index.find(hashes[slot] as Uint8Array, 0) !== (slot % 2 === 0 ? -1 : slot)) wrong++;
    operations++;
  }
  expect(wrong).toBe(0);
  expect(index.size).toBe(hashes.length >> 1);
  return source.reads / operations;
}

describe("Md4SlotIndex with hashes that share leading bytes", () => {
  const families = adversarialFamilies();

  it.each(families)("spreads %s (fixed seeds)", (_, hashes) => {
    for (const seed of [0, 1, 0xdeadbeef, 0xffffffff]) {
      expect(readsPerOperation(hashes, seed)).toBeLessThan(4);
    }
  });

  it("spreads them with the seed it draws itself", () => {
    for (const [, hashes] of families) expect(readsPerOperation(hashes, undefined)).toBeLessThan(4);
  });

  it("hashes every one of the 16 bytes", () => {
    const base = new Uint8Array(16);
    const code = md4SlotHash(base, 0, 7);
    for (let byte = 0; byte < 16; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const changed = base.slice();
        changed[byte] = 1 << bit;
        expect(md4SlotHash(changed, 0, 7)).not.toBe(code);
      }
    }
    expect(md4SlotHash(base, 0, 8)).not.toBe(code);
    const shifted = new Uint8Array(20);
    shifted.set(base, 4);
    expect(md4SlotHash(shifted, 4, 7)).toBe(code);
  });
});
