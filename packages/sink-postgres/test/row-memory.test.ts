// The measurement behind the README's figure of a write's client memory ("Storage layout") keeps
// running: a small run of test/fixtures/row-memory.mjs. Its numbers are not checked here.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pgAvailability, requirePostgres } from "@snapwrite/testkit/postgres";
import { describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/row-memory.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const availability = pgAvailability();
if (!availability.available && requirePostgres()) {
  throw new Error(`SNAPWRITE_REQUIRE_POSTGRES=1 but ${availability.reason}`);
}

describe("test/fixtures/row-memory.mjs", () => {
  it.skipIf(!availability.available)(
    "writes a snapshot on a throwaway server and prints the peak above the baseline",
    async () => {
      expect(existsSync(DIST), "build the package first (npm run build)").toBe(true);
      const { stdout } = await promisify(execFile)(process.execPath, [CHILD, "1", "8"], {
        timeout: 60_000,
      });
      expect(stdout).toMatch(/^rows of 1 MiB, 8 MiB snapshot: peak \d+ MiB above the baseline = /);
    },
    70_000,
  );
});
