import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { createTempDirs, deferred, tempFilesIn, text } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

const CONTENDER = fileURLToPath(new URL("./fixtures/ns-contender.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** Whether this machine lets us start a process in a new pid namespace (root, or user namespaces). */
const canUnshare =
  process.platform === "linux" &&
  spawnSync("unshare", ["--pid", "--fork", "true"], { timeout: 10_000 }).status === 0;

describe("a process in another pid namespace", () => {
  it.skipIf(!canUnshare)(
    "never breaks a live lock nor sweeps a live temp file of this namespace (needs unshare --pid)",
    async () => {
      expect(existsSync(DIST), "build the package first").toBe(true);
      const dir = await dirs.make();
      const gate = deferred();
      async function* held() {
        yield new TextEncoder().encode("held here");
        await gate.promise;
      }
      const sink = createFsSink({ dir, lock: true });
      const writing = sink.write("a", held());
      while (!(await readdir(dir)).includes(".a.lock")) await new Promise((r) => setTimeout(r, 2));
      const lock = await readFile(join(dir, ".a.lock"), "utf8");
      const temps = await tempFilesIn(dir);

      const child = await execa(
        "unshare",
        ["--pid", "--fork", process.execPath, CONTENDER, dir, "a"],
        { timeout: 30_000 },
      );
      const report = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "");
      // Its own pid is small in its namespace, and ours means nothing there.
      expect(report.pid).not.toBe(process.pid);
      expect(report.sweep).toEqual({ removedTemps: [], removedLocks: [] });
      expect(report.write).toEqual({ ok: false, code: "ERR_LOCKED" });
      if (report.lockFile !== undefined) {
        expect(report.lockFile).toEqual({ ok: false, code: "ERR_LOCKED" });
      }
      expect(await readFile(join(dir, ".a.lock"), "utf8")).toBe(lock);
      expect(await tempFilesIn(dir)).toEqual(temps);

      gate.resolve();
      await writing;
      expect(text(await sink.read("a"))).toBe("held here");
      expect(await readdir(dir)).toEqual(["a"]);
    },
  );
});
