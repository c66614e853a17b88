import { describe, expect, it } from "vitest";
import { optionEntry, resolveOptionValue, resolveOptionValues } from "../src/sink-kit/index.js";

describe("resolveOptionValues", () => {
  it("resolves options through resolvePolicy, named by caller and path, reading no variable", () => {
    const values = resolveOptionValues("openThing", {
      "group.maxBytes": optionEntry(undefined, 1024, { min: 1, integer: true }),
      delayMs: optionEntry(25, 10, { min: 0 }),
    });
    expect(values).toEqual({ "group.maxBytes": 1024, delayMs: 25 });
    expect(() =>
      resolveOptionValues("openThing", { "group.maxBytes": optionEntry(0, 1, { min: 1 }) }),
    ).toThrow(new RangeError("openThing: group.maxBytes must be >= 1, got 0"));
  });

  it("takes the default only for a left-out option: null is a TypeError", () => {
    expect(() =>
      resolveOptionValues("openThing", { delayMs: optionEntry(null, 10, { min: 0 }) }),
    ).toThrow(new TypeError("openThing: delayMs must be a number, got null"));
  });
});

describe("resolveOptionValue", () => {
  it("resolves one option, naming it with or without a caller, and takes the fallback only when left out", () => {
    expect(resolveOptionValue("openThing", "keep", undefined, 2, { min: 1, integer: true })).toBe(
      2,
    );
    expect(resolveOptionValue(undefined, "delayMs", 7, 10, { min: 0 })).toBe(7);
    expect(() => resolveOptionValue("openThing", "keep", 0, 2, { min: 1, integer: true })).toThrow(
      /^openThing: keep must be >= 1, got 0$/,
    );
    expect(() => resolveOptionValue(undefined, "delayMs", -1, 10, { min: 0 })).toThrow(
      /^delayMs must be >= 0, got -1$/,
    );
    expect(() => resolveOptionValue("openThing", "keep", null, 2, { min: 1 })).toThrow(TypeError);
  });
});
