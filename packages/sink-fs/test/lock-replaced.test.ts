import { execFileSync } from "node:child_process";
import { mkdir, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lockFile } from "../src/index.js";
import { createTempDirs, failure, until } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

// Whatever now stands where our lock file was, it is not our lock file: the lock is lost.
const replacements: [string, (path: string) => Promise<void>][] = [
  ["a directory", (path) => mkdir(path)],
  ["a symlink to a device", (path) => symlink("/dev/zero", path)],
  ["a loop of symlinks", (path) => symlink(path, path)],
];
if (process.platform !== "win32") {
  replacements.push(["a FIFO", async (path) => void execFileSync("mkfifo", [path])]);
}

describe("a held lock file replaced by something else", () => {
  it.each(replacements)("is lost when replaced by %s", async (_what, replace) => {
    const dir = await dirs.make();
    // Heartbeats every 100 ms.
    const lock = await lockFile(join(dir, "a.json"), { staleMs: 300 });
    await unlink(lock.lockPath);
    await replace(lock.lockPath);
    await until(async () => lock.lost.aborted, "lost");
    expect(lock.lost.reason).toMatchObject({ code: "ERR_LOCKED", details: { reason: "lost" } });
    expect(await failure(lock.assertHeld())).toBe(lock.lost.reason);
    await lock.release();
  });
});

describe("aborting a wait for a held lock", () => {
  it("rejects at once, not at the next poll", async () => {
    const dir = await dirs.make();
    const held = await lockFile(join(dir, "a.json"));
    const controller = new AbortController();
    // The first pause between attempts is at least half of pollMs: 5 minutes.
    const waiting = lockFile(join(dir, "a.json"), {
      pollMs: 600_000,
      waitMs: 600_000,
      signal: controller.signal,
    });
    // Let it find the lock held and start its pause.
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(new Error("stop"));
    const deadline = new Promise<string>((resolve) =>
      setTimeout(() => resolve("still waiting"), 5_000).unref(),
    );
    expect(
      await Promise.race([
        waiting.then(
          () => "acquired",
          (error: unknown) => error,
        ),
        deadline,
      ]),
    ).toMatchObject({
      code: "ERR_ABORTED",
      stage: "lock",
    });
    await held.release();
  });
});
