import * as nodeFs from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { assertFsPort } from "../src/sink-kit/index.js";

describe("assertFsPort", () => {
  it("accepts node:fs/promises and a port without rmdir", () => {
    expect(() => assertFsPort(nodeFs, "make")).not.toThrow();
    const { rmdir: _rmdir, ...withoutRmdir } = nodeFs;
    expect(() => assertFsPort(withoutRmdir, "make")).not.toThrow();
  });

  it("names the caller and the first missing function", () => {
    expect(() => assertFsPort({}, "make")).toThrow(
      new TypeError("make: fs.open must be a function"),
    );
    expect(() => assertFsPort({ ...nodeFs, unlink: undefined }, "make")).toThrow(
      new TypeError("make: fs.unlink must be a function"),
    );
    expect(() => assertFsPort({ ...nodeFs, rmdir: 1 }, "make")).toThrow(
      new TypeError("make: fs.rmdir must be a function when given"),
    );
  });

  it("refuses what is no object", () => {
    for (const fs of [null, "fs", 1]) {
      expect(() => assertFsPort(fs, "make")).toThrow(
        new TypeError("make: fs must be an FsPort object"),
      );
    }
  });
});
