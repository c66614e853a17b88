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
  it.each(["known.met", "state/runtime.json", "a/b/c.d"])("accepts %j", (target) => {
    expect(() => assertValidTarget(target)).not.toThrow();
  });

  it.each([
    ["", "empty"],
    ["../x", '".." segment'],
    ["a/./b", '"." segment'],
    ["/abs", "absolute path"],
    ["a\0b", "contains NUL"],
    ["a\\b", "contains a backslash"],
    ["C:x", "drive-qualified path"],
    ["a//b", "empty path segment"],
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
