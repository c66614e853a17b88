// The generation of a write, checked before any connection is used.
import { isPersistenceError } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import { nextGeneration } from "../src/next-generation.js";

function refusal(given: number): unknown {
  try {
    nextGeneration(new Map(), "t", given);
  } catch (error) {
    return error;
  }
  throw new Error(`generation ${given} was accepted`);
}

describe("nextGeneration", () => {
  it.each([-1, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY])(
    "refuses %d with ERR_INVALID_TARGET and a message that says what is wrong",
    (given) => {
      const error = refusal(given);
      expect(isPersistenceError(error, "ERR_INVALID_TARGET")).toBe(true);
      expect((error as Error).message).toBe(
        `generation must be a non-negative safe integer, got ${String(given)}`,
      );
      expect(error).toMatchObject({ stage: "open", target: "t", details: { generation: given } });
    },
  );

  it("takes 0 and a given generation, and counts on from the highest one used", () => {
    const last = new Map<string, number>();
    expect(nextGeneration(last, "t", 0)).toBe(0);
    expect(nextGeneration(last, "t", 7)).toBe(7);
    expect(nextGeneration(last, "t", 3)).toBe(3);
    expect(nextGeneration(last, "t", undefined)).toBe(8);
    expect(nextGeneration(last, "u", undefined)).toBe(1);
  });
});
