import { lstatSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canMkfifo, mkfifo } from "../src/index.js";

describe.skipIf(!canMkfifo)("mkfifo (needs mkfifo(1))", () => {
  it("makes a real FIFO, and throws where the path cannot take one", () => {
    const dir = mkdtempSync(join(tmpdir(), "snapwrite-testkit-fifo-"));
    try {
      mkfifo(join(dir, "pipe"));
      expect(lstatSync(join(dir, "pipe")).isFIFO()).toBe(true);
      expect(() => mkfifo(join(dir, "pipe"))).toThrow();
      expect(() => mkfifo(join(dir, "missing", "pipe"))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
