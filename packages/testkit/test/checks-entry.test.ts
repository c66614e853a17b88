import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("./fixtures/plain-node-checks.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/checks.js", import.meta.url));

describe("@snapwrite/testkit/checks", () => {
  it("runs the check functions from plain node, outside the vitest runner", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT], {
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim())).toEqual({
      correct: "passed",
      broken: "checkOverwrite: violation",
    });
  });
});
