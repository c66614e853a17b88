import { describe, expect, it } from "vitest";
import { damageBytes } from "../src/checks.js";

describe("damageBytes", () => {
  it("flips, cuts, sets and inserts at positions taken modulo the length, on a copy", () => {
    const input = Uint8Array.of(1, 2, 3, 4);
    expect([...damageBytes(input, [{ kind: "flip", at: 5, byte: 2 }])]).toEqual([1, 6, 3, 4]);
    expect([...damageBytes(input, [{ kind: "cut", at: 2, byte: 0 }])]).toEqual([1, 2]);
    expect([...damageBytes(input, [{ kind: "set", at: 3, byte: 9 }])]).toEqual([1, 2, 3, 9]);
    expect([...damageBytes(input, [{ kind: "insert", at: 0, byte: 7 }])]).toEqual([7, 1, 2, 3, 4]);
    expect([
      ...damageBytes(input, [
        { kind: "cut", at: 0, byte: 0 },
        { kind: "flip", at: 3, byte: 0 },
        { kind: "insert", at: 9, byte: 5 },
      ]),
    ]).toEqual([5]);
    expect([...input]).toEqual([1, 2, 3, 4]);
  });
});
