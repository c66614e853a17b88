import { describe, expect, it, vi } from "vitest";
import {
  isPermanentErrorCode,
  isPersistenceError,
  osErrorCode,
  PERMANENT_ERROR_CODES,
  PERSISTENCE_ERROR_CODES,
  PersistenceError,
  toPersistenceError,
} from "../src/index.js";

describe("osErrorCode()", () => {
  it.each([
    ["ENOSPC", "ERR_NO_SPACE"],
    ["EDQUOT", "ERR_NO_SPACE"],
    ["EACCES", "ERR_PERMISSION"],
    ["EPERM", "ERR_PERMISSION"],
    ["EROFS", "ERR_PERMISSION"],
    ["EBUSY", "ERR_BUSY"],
    ["EAGAIN", "ERR_BUSY"],
    ["EMFILE", "ERR_BUSY"],
    ["ENFILE", "ERR_BUSY"],
    ["EIO", "ERR_IO"],
    ["EEXIST", "ERR_IO"],
    ["EXDEV", "ERR_IO"],
  ])("maps %s to %s in both directions", (os, code) => {
    expect(osErrorCode(os, "write")).toBe(code);
    expect(osErrorCode(os, "read")).toBe(code);
  });

  it("maps ENOENT to ERR_NOT_FOUND on read and ERR_IO on write (the default)", () => {
    expect(osErrorCode("ENOENT", "read")).toBe("ERR_NOT_FOUND");
    expect(osErrorCode("ENOENT", "write")).toBe("ERR_IO");
    expect(osErrorCode("ENOENT")).toBe("ERR_IO");
  });

  it("maps an unknown or missing code to ERR_IO", () => {
    expect(osErrorCode(undefined)).toBe("ERR_IO");
    expect(osErrorCode("EWHATEVER")).toBe("ERR_IO");
  });
});

describe("toPersistenceError()", () => {
  it("keeps a PersistenceError as it is", () => {
    const error = new PersistenceError("ERR_LOCKED", "held", { stage: "lock" });
    expect(toPersistenceError(error, { stage: "write" })).toBe(error);
  });

  it("maps an OS error with stage, target, osCode and cause", () => {
    const os = Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    const error = toPersistenceError(os, { stage: "write", target: "a.met" });
    expect(error).toBeInstanceOf(PersistenceError);
    expect(error.code).toBe("ERR_NO_SPACE");
    expect(error.stage).toBe("write");
    expect(error.target).toBe("a.met");
    expect(error.details).toEqual({ osCode: "ENOSPC" });
    expect(error.cause).toBe(os);
    expect(error.message).toContain("no space left");
  });

  it("maps ENOENT by direction", () => {
    const os = Object.assign(new Error("gone"), { code: "ENOENT" });
    expect(toPersistenceError(os, { direction: "read" }).code).toBe("ERR_NOT_FOUND");
    expect(toPersistenceError(os).code).toBe("ERR_IO");
  });

  it("maps an AbortError to ERR_ABORTED", () => {
    const abort = new DOMException("stop", "AbortError");
    expect(toPersistenceError(abort).code).toBe("ERR_ABORTED");
  });

  it("maps non-errors to ERR_IO with the value as cause", () => {
    const error = toPersistenceError(42);
    expect(error.code).toBe("ERR_IO");
    expect(error.cause).toBe(42);
  });
});

describe("PersistenceError", () => {
  it("carries code, stage, target, frozen details and cause", () => {
    const cause = new Error("inner");
    const error = new PersistenceError("ERR_CORRUPT", "bad", {
      stage: "encode",
      target: "t",
      details: { offset: 12 },
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("PersistenceError");
    expect(error).toMatchObject({
      code: "ERR_CORRUPT",
      stage: "encode",
      target: "t",
      message: "bad",
    });
    expect(error.details).toEqual({ offset: 12 });
    expect(Object.isFrozen(error.details)).toBe(true);
    expect(error.cause).toBe(cause);
    expect("cause" in new PersistenceError("ERR_IO", "no cause")).toBe(false);
  });

  it("is recognised with and without a code", () => {
    const error = new PersistenceError("ERR_BUSY", "busy");
    expect(isPersistenceError(error)).toBe(true);
    expect(isPersistenceError(error, "ERR_BUSY")).toBe(true);
    expect(isPersistenceError(error, "ERR_IO")).toBe(false);
    for (const value of [new Error("x"), { code: "ERR_BUSY" }, null, undefined, "ERR_BUSY", 1]) {
      expect(isPersistenceError(value)).toBe(false);
    }
  });

  it("is recognised across a separately loaded copy of the module", async () => {
    vi.resetModules();
    // A query string makes the module loader evaluate a second, independent copy of the module.
    const specifier = "../src/errors/persistence-error.js?copy";
    const copy = (await import(
      /* @vite-ignore */ specifier
    )) as typeof import("../src/errors/persistence-error.js");
    expect(copy.PersistenceError).not.toBe(PersistenceError);
    const foreign = new copy.PersistenceError("ERR_STALE", "fenced");
    expect(foreign instanceof PersistenceError).toBe(false);
    expect(isPersistenceError(foreign, "ERR_STALE")).toBe(true);
    expect(copy.isPersistenceError(new PersistenceError("ERR_IO", "x"), "ERR_IO")).toBe(true);
    expect(toPersistenceError(foreign)).toBe(foreign);
  });

  it("lists the 19 documented codes", () => {
    expect(PERSISTENCE_ERROR_CODES).toEqual([
      "ERR_NOT_FOUND",
      "ERR_CORRUPT",
      "ERR_IO",
      "ERR_NO_SPACE",
      "ERR_PERMISSION",
      "ERR_BUSY",
      "ERR_LOCKED",
      "ERR_INVALID_TARGET",
      "ERR_SNAPSHOT",
      "ERR_ENCODE",
      "ERR_CLOSED",
      "ERR_ABORTED",
      "ERR_TIMEOUT",
      "ERR_STALE",
      "ERR_COMMAND",
      "ERR_CONFLICT",
      "ERR_READ_ONLY",
      "ERR_GAP",
      "ERR_WORKER",
      "ERR_UNSUPPORTED",
    ]);
  });
});

describe("permanent codes", () => {
  it("are the seven of the scheduler rules plus the four permanent write-through codes", () => {
    expect([...PERMANENT_ERROR_CODES].sort()).toEqual(
      [
        "ERR_ABORTED",
        "ERR_CLOSED",
        "ERR_ENCODE",
        "ERR_INVALID_TARGET",
        "ERR_SNAPSHOT",
        "ERR_STALE",
        "ERR_TIMEOUT",
        "ERR_COMMAND",
        "ERR_CONFLICT",
        "ERR_READ_ONLY",
        "ERR_GAP",
      ].sort(),
    );
    const transient = PERSISTENCE_ERROR_CODES.filter((code) => !isPermanentErrorCode(code));
    expect(transient).toEqual([
      "ERR_NOT_FOUND",
      "ERR_CORRUPT",
      "ERR_IO",
      "ERR_NO_SPACE",
      "ERR_PERMISSION",
      "ERR_BUSY",
      "ERR_LOCKED",
      "ERR_WORKER",
      "ERR_UNSUPPORTED",
    ]);
  });
});
