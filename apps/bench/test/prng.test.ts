import { describe, expect, it } from "vitest";
import { createPrng } from "../src/prng.js";

describe("createPrng", () => {
  it("gives the same sequence for the same seed", () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const seqA = Array.from({ length: 100 }, () => a.nextUint32());
    const seqB = Array.from({ length: 100 }, () => b.nextUint32());
    expect(seqA).toEqual(seqB);
  });

  it("gives different sequences for different seeds", () => {
    const a = createPrng(1);
    const b = createPrng(2);
    const seqA = Array.from({ length: 10 }, () => a.nextUint32());
    const seqB = Array.from({ length: 10 }, () => b.nextUint32());
    expect(seqA).not.toEqual(seqB);
  });

  it("keeps nextInt within its inclusive bounds and reaches both ends", () => {
    const prng = createPrng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) {
      const value = prng.nextInt(3, 6);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(6);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it("fills buffers of any length deterministically", () => {
    const a = createPrng(9).fill(new Uint8Array(7));
    const b = createPrng(9).fill(new Uint8Array(7));
    expect(a).toEqual(b);
    expect(a.some((byte) => byte !== 0)).toBe(true);
  });
});
