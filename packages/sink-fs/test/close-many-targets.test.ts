import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { createTempDirs } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

const CHILD = fileURLToPath(new URL("./fixtures/close-many-targets.mjs", import.meta.url));
const TARGETS = 3000;
const TIMEOUT_MS = 800;
const FD_LIMIT = 128;

interface ChildReport {
  readonly durationMs: number;
  readonly elapsedMs: number;
  readonly outcomes: Record<string, number>;
  readonly codes: Record<string, number>;
  readonly written: readonly string[];
}

describe("writer.close() with thousands of dirty targets on the real disk", () => {
  it.skipIf(process.platform === "win32")(
    `saves what it can by the deadline, within ${FD_LIMIT} file descriptors, and returns`,
    async () => {
      const dir = await dirs.make();
      // A low descriptor limit: unbounded parallel writes would fail with EMFILE (ERR_BUSY).
      const child = await execa(
        "/bin/sh",
        [
          "-c",
          `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`,
          process.execPath,
          CHILD,
          dir,
          String(TARGETS),
          String(TIMEOUT_MS),
        ],
        { reject: false, timeout: 60_000 },
      );
      expect(child.stderr).toBe("");
      expect(child.exitCode).toBe(0);
      const report = JSON.parse(child.stdout) as ChildReport;
      const written = report.outcomes.written ?? 0;
      const timedOut = report.outcomes["timed-out"] ?? 0;
      console.info(
        `close() of ${TARGETS} dirty targets, deadline ${TIMEOUT_MS} ms: ${written} written, ${timedOut} timed out, returned after ${report.elapsedMs.toFixed(0)} ms (report durationMs ${report.durationMs.toFixed(0)})`,
      );
      expect(written).toBeGreaterThan(0);
      expect(written + timedOut).toBe(TARGETS);
      expect(report.codes.ERR_BUSY).toBeUndefined();
      expect(Object.keys(report.codes)).toEqual(timedOut > 0 ? ["ERR_TIMEOUT"] : []);
      // Generous: the precise margin past the deadline is measured by the bench, not here.
      expect(report.elapsedMs).toBeLessThan(TIMEOUT_MS + 2000);
      expect(report.written).toHaveLength(written);
      for (const target of report.written) {
        const value = JSON.parse(await readFile(join(dir, target), "utf8"));
        expect(value).toEqual({ target, value: Number(target.slice(1, 6)) });
      }
    },
  );
});
