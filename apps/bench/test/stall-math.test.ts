import { describe, expect, it } from "vitest";
import { percentile } from "../src/percentile.js";
import { correctedTickDelays } from "../src/tick-delays.js";

describe("percentile", () => {
  it("uses the nearest-rank method", () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 100)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it("returns 0 for no values and rejects out-of-range percentiles", () => {
    expect(percentile([], 99)).toBe(0);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe("correctedTickDelays", () => {
  it("counts on-time ticks as zero delay", () => {
    expect(Array.from(correctedTickDelays([1, 0.9, 1], 1))).toEqual([0, 0, 0]);
  });

  it("expands one long gap into the delays of every tick that was due during it", () => {
    // A 5 ms gap of a 1 ms timer: 4 ms late, and the ticks due after it were 3, 2, 1 ms late.
    expect(Array.from(correctedTickDelays([5], 1))).toEqual([1, 2, 3, 4]);
  });

  it("makes a single stall dominate the 99th percentile, as it dominates the time", () => {
    const gaps = new Array<number>(900).fill(1);
    gaps.push(101);
    const delays = correctedTickDelays(gaps, 1);
    // 900 on-time ticks and 100 delayed ones: p99 lands inside the stall.
    expect(delays.length).toBe(1000);
    expect(percentile(delays, 99)).toBe(90);
    expect(percentile(delays, 50)).toBe(0);
    expect(delays[delays.length - 1]).toBe(100);
  });

  it("rejects a non-positive interval", () => {
    expect(() => correctedTickDelays([1], 0)).toThrow(RangeError);
  });
});
