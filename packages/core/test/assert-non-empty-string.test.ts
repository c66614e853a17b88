import { describe, expect, it } from "vitest";
import { assertNonEmptyString } from "../src/sink-kit/index.js";

describe("assertNonEmptyString", () => {
  it("takes a non-empty string", () => {
    expect(() => assertNonEmptyString("store", "openX: name")).not.toThrow();
  });

  it("refuses anything else with a TypeError naming the option and what it got", () => {
    expect(() => assertNonEmptyString(null, "openX: name")).toThrow(
      new TypeError("openX: name must be a non-empty string, got null"),
    );
    expect(() => assertNonEmptyString("", "openX: name")).toThrow(
      new TypeError("openX: name must be a non-empty string, got an empty string"),
    );
    expect(() => assertNonEmptyString(7, "openX: name")).toThrow(
      new TypeError("openX: name must be a non-empty string, got number"),
    );
    expect(() => assertNonEmptyString(undefined, "openX: name")).toThrow(/got undefined/);
  });
});
