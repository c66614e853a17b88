import * as nodeFs from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { FsPort } from "../src/index.js";

describe("FsPort", () => {
  it("is satisfied by node:fs/promises", async () => {
    const port: FsPort = nodeFs;
    const stats = await port.stat(".");
    expect(stats.isDirectory()).toBe(true);
  });
});
