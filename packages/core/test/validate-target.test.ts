import { describe, expect, it } from "vitest";
import { assertValidTarget, isPersistenceError, type PersistenceError } from "../src/index.js";

function thrownBy(fn: () => void): PersistenceError {
  try {
    fn();
  } catch (error) {
    if (isPersistenceError(error)) return error;
    throw error;
  }
  throw new Error("expected a throw");
}

describe("assertValidTarget()", () => {
  it.each(["known.met", "state/runtime.json", "a/b/c.d", "emoji-\u{1F600}.json", "\uD83D\uDE00"])(
    "accepts %j",
    (target) => {
      expect(() => assertValidTarget(target)).not.toThrow();
    },
  );

  it.each([
    ["", "empty"],
    ["../x", '".." segment'],
    ["a/./b", '"." segment'],
    ["/abs", "absolute path"],
    ["a\0b", "contains NUL"],
    ["a\\b", "contains a backslash"],
    ["C:x", "drive-qualified path"],
    ["a//b", "empty path segment"],
    ["a-\uD800.json", "contains a lone surrogate (ill-formed UTF-16)"],
    ["a-\uDBFF.json", "contains a lone surrogate (ill-formed UTF-16)"],
    ["\uDC00", "contains a lone surrogate (ill-formed UTF-16)"],
    ["x\uDE00\uD83D", "contains a lone surrogate (ill-formed UTF-16)"],
  ])("rejects %j with ERR_INVALID_TARGET (%s)", (target, reason) => {
    const error = thrownBy(() => assertValidTarget(target));
    expect(error.code).toBe("ERR_INVALID_TARGET");
    expect(error.target).toBe(target);
    expect(error.details).toEqual({ reason });
    expect(error.stage).toBeUndefined();
  });

  it("records the stage a sink reports target problems at", () => {
    const error = thrownBy(() => assertValidTarget("../x", { stage: "open" }));
    expect(error.code).toBe("ERR_INVALID_TARGET");
    expect(error.stage).toBe("open");
  });
});
