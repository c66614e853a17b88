import { existsSync } from "node:fs";
import { lstat, lutimes, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { isPersistenceError } from "@snapwrite/core";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink, lockFile, writeFileAtomic } from "../src/index.js";
import { tempFileName } from "../src/temp-file-name.js";
import { createTempDirs, textChunks, until } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

const LOOP = fileURLToPath(new URL("./fixtures/lock-counter-loop.mjs", import.meta.url));
const HOLDER = fileURLToPath(new URL("./fixtures/lock-file-holder.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** Checks the lines of counter loops: no second holder met, and no increment lost. */
function checkCounterLines(lines: readonly string[], final: number, killed: number) {
  expect(lines.filter((line) => line.startsWith("violation"))).toEqual([]);
  const values = lines
    .filter((line) => line.startsWith("inc "))
    .map((line) => Number(line.slice(4)));
  // Two holders at once would read the same value and write the same increment.
  expect(new Set(values).size).toBe(values.length);
  // A child killed after writing but before reporting leaves one unreported increment.
  expect(final).toBeGreaterThanOrEqual(values.length);
  expect(final - values.length).toBeLessThanOrEqual(killed);
  return values.length;
}

describe("lockFile", () => {
  it("takes the lock file next to the path, and releases it (also with await using)", async () => {
    const dir = await dirs.make();
    const path = join(dir, "state.json");
    const lock = await lockFile(path);
    expect(lock).toMatchObject({ path, lockPath: join(dir, ".state.json.lock") });
    const record = JSON.parse(await readFile(lock.lockPath, "utf8"));
    expect(record).toMatchObject({ pid: process.pid, threadId: 0 });
    expect(lock.lost.aborted).toBe(false);
    await lock.release();
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    {
      await using scoped = await lockFile(path);
      expect(await readdir(dir)).toEqual([".state.json.lock"]);
      expect(scoped.path).toBe(path);
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it("removes the private files holders killed half-way left for this lock, and no other lock's", async () => {
    const dir = await dirs.make();
    // A process that is gone: its pid is free (or reused by an unrelated process of another start).
    const gone = await execa(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const deadPid = Number(gone.stdout);
    const leftover = tempFileName("state.json.lock", deadPid, Math.random);
    const otherLock = tempFileName("other.json.lock", deadPid, Math.random);
    for (const name of [leftover, otherLock]) await writeFile(join(dir, name), "");
    await using _lock = await lockFile(join(dir, "state.json"));
    const names = await readdir(dir);
    expect(names).not.toContain(leftover);
    // Another lock's leftovers are that lock's business.
    expect(names).toContain(otherLock);
  });

  it("removes the leftovers of a lock whose name is too long to be kept whole in them", async () => {
    const dir = await dirs.make();
    const gone = await execa(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const deadPid = Number(gone.stdout);
    // 200 bytes of name: temp and claim names keep only the first 120 bytes of the lock's name.
    const name = `${"é".repeat(90)}-state.json`;
    const leftover = tempFileName(`${name}.lock`, deadPid, Math.random);
    expect(leftover.startsWith(`.${name}.lock.`)).toBe(false);
    await writeFile(join(dir, leftover), "");
    await using _lock = await lockFile(join(dir, name));
    expect(await readdir(dir)).not.toContain(leftover);
  });

  it("fails with ERR_LOCKED after waitMs while another holder has it, then gets it once free", async () => {
    const dir = await dirs.make();
    const path = join(dir, "x");
    const first = await lockFile(path);
    const error = await lockFile(path, { waitMs: 30, pollMs: 5 }).catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_LOCKED")).toBe(true);
    expect(error).toMatchObject({
      stage: "lock",
      target: path,
      details: { reason: "held", owner: { pid: process.pid } },
    });
    const second = lockFile(path, { waitMs: 5_000, pollMs: 5 });
    setTimeout(() => void first.release(), 20);
    await (await second).release();
  });

  it.skipIf(process.platform === "win32")(
    "judges a dangling symlink at the lock path like a lock file without an owner record",
    async () => {
      const dir = await dirs.make();
      const path = join(dir, "x");
      const lockPath = join(dir, ".x.lock");
      const nowhere = join(dir, "nowhere");
      await symlink(nowhere, lockPath);
      // A fresh one may be a foreign lock being set up: it is waited for, never broken at once.
      const young = await lockFile(path, { waitMs: 50, staleMs: 60_000, pollMs: 5 }).catch(
        (e: unknown) => e,
      );
      expect(isPersistenceError(young, "ERR_LOCKED")).toBe(true);
      // Once its mtime is older than staleMs, it is broken: the link goes, nothing is created.
      const past = new Date(Date.now() - 10_000);
      await lutimes(lockPath, past, past);
      const lock = await lockFile(path, { waitMs: 3_000, staleMs: 1_000, pollMs: 5 });
      expect((await lstat(lockPath)).isFile()).toBe(true);
      expect(existsSync(nowhere)).toBe(false);
      await lock.release();
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it("accepts a relative path and locks the same file as its absolute spelling", async () => {
    const dir = await dirs.make();
    const lock = await lockFile(relative(process.cwd(), join(dir, "r")));
    expect(lock.path).toBe(join(dir, "r"));
    await expect(lockFile(join(dir, "r"), { waitMs: 0 })).rejects.toMatchObject({
      code: "ERR_LOCKED",
    });
    await lock.release();
  });

  it("excludes a file sink's locked write of the same file", async () => {
    const dir = await dirs.make();
    const lock = await lockFile(join(dir, "a"));
    const sink = createFsSink({ dir, lock: { waitMs: 20, pollMs: 5 } });
    await expect(sink.write("a", textChunks("x"))).rejects.toMatchObject({ code: "ERR_LOCKED" });
    await lock.release();
    await sink.write("a", textChunks("x"));
  });

  it("aborts the wait with ERR_ABORTED at stage lock", async () => {
    const dir = await dirs.make();
    const held = await lockFile(join(dir, "a"));
    const controller = new AbortController();
    const waiting = lockFile(join(dir, "a"), { signal: controller.signal, pollMs: 5 });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await expect(waiting).rejects.toMatchObject({ code: "ERR_ABORTED", stage: "lock" });
    await expect(lockFile(join(dir, "b"), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: "ERR_ABORTED",
    });
    await held.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ["", "not a non-empty path"],
    ["a\0b", "contains NUL"],
    ["some/dir/", "names a directory"],
    ["/", "names a directory"],
    [".", "names a directory"],
    ["..", "names a directory"],
    ["some/dir/.", "names a directory"],
    ["some/dir/..", "names a directory"],
    ["/tmp/.x.lock", "the name is reserved for temp and lock files"],
  ])("rejects the path %j with ERR_INVALID_TARGET", async (path, reason) => {
    await expect(lockFile(path)).rejects.toMatchObject({
      code: "ERR_INVALID_TARGET",
      details: { reason },
    });
  });

  it("refuses a name with a lone surrogate up front, as writeFileAtomic does, and locks nothing", async () => {
    const dir = await dirs.make();
    const path = join(dir, "state\uD800.json");
    await expect(lockFile(path)).rejects.toMatchObject({
      code: "ERR_INVALID_TARGET",
      stage: "lock",
      target: path,
      details: { reason: "contains a lone surrogate (ill-formed UTF-16)" },
    });
    expect(await readdir(dir)).toEqual([]);
    // A well-formed pair is a plain character.
    const lock = await lockFile(join(dir, "state\uD83D\uDE00.json"));
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses a lone surrogate in a directory component too, which would name the same file as another", async () => {
    const dir = await dirs.make();
    for (const path of [join(dir, "x\uD800", "f"), join(dir, "x\uDFFF", "f")]) {
      await expect(lockFile(path)).rejects.toMatchObject({
        code: "ERR_INVALID_TARGET",
        details: { reason: "contains a lone surrogate (ill-formed UTF-16)" },
      });
    }
    await expect(
      writeFileAtomic(join(dir, "x\uD800", "f.json"), new Uint8Array([1])),
    ).rejects.toMatchObject({
      code: "ERR_INVALID_TARGET",
      details: { reason: "contains a lone surrogate (ill-formed UTF-16)" },
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it("fails with a typed I/O error at stage lock when the directory is missing", async () => {
    const dir = await dirs.make();
    await expect(lockFile(join(dir, "missing", "a"))).rejects.toMatchObject({
      code: "ERR_IO",
      stage: "lock",
      details: { osCode: "ENOENT" },
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it("throws TypeError and RangeError for bad options", async () => {
    await expect(lockFile("x", { waitMs: "1" as unknown as number })).rejects.toThrow(TypeError);
    await expect(lockFile("x", { staleMs: 0 })).rejects.toThrow(RangeError);
    await expect(lockFile("x", { wait: 1 } as never)).rejects.toThrow(/unknown option "wait"/);
  });

  it("fires lost when the lock is broken under its holder", async () => {
    const dir = await dirs.make();
    // Heartbeats every 100 ms.
    const lock = await lockFile(join(dir, "a"), { staleMs: 300 });
    const record = JSON.parse(await readFile(lock.lockPath, "utf8"));
    // What a contender does once it judged the lock abandoned: remove it and take its own.
    await rm(lock.lockPath);
    await writeFile(lock.lockPath, JSON.stringify({ ...record, token: "someone-else" }));
    await until(async () => lock.lost.aborted, "lost");
    expect(isPersistenceError(lock.lost.reason, "ERR_LOCKED")).toBe(true);
    expect(lock.lost.reason).toMatchObject({ details: { reason: "lost" } });
    await lock.release();
    // Not ours any more: the release leaves the other owner's lock alone.
    expect(JSON.parse(await readFile(lock.lockPath, "utf8")).token).toBe("someone-else");
  });

  it("is never held by two worker threads at once", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    const path = join(dir, "counter");
    const lines: string[] = [];
    const runs = Array.from({ length: 3 }, () => {
      const worker = new Worker(LOOP, { workerData: { path, iterations: 15 } });
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          void worker.terminate();
          reject(new Error("worker did not finish in 30 s"));
        }, 30_000);
        worker.on("message", (line: string) => {
          lines.push(line);
          if (line === "done") {
            clearTimeout(timer);
            resolve();
          }
        });
        worker.on("error", reject);
      });
    });
    await Promise.all(runs);
    const final = Number(await readFile(path, "utf8"));
    expect(checkCounterLines(lines, final, 0)).toBe(45);
    expect(final).toBe(45);
  });

  it("is never held by two processes at once, while holders are SIGKILLed", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    const path = join(dir, "counter");
    const lines: string[] = [];
    const perChild: number[] = [0, 0, 0, 0, 0];
    const finished = new Set<number>();
    let lastIncrement = -1;
    const children = Array.from({ length: 5 }, () =>
      execa(process.execPath, [LOOP, path, "15"], { reject: false, timeout: 60_000 }),
    );
    children.forEach((child, index) => {
      child.stdout?.on("data", (data: Buffer) => {
        for (const line of data.toString().split("\n").filter(Boolean)) {
          lines.push(line);
          if (line === "done") finished.add(index);
          if (line.startsWith("inc")) {
            perChild[index] = (perChild[index] ?? 0) + 1;
            lastIncrement = index;
          }
        }
      });
    });
    // Kill the child that just reported an increment, so most likely while it holds the lock,
    // twice, somewhere inside the streams of acquisitions. A child that already reported its
    // last increment may finish before the signal lands: who died is read from the results.
    for (const after of [8, 20]) {
      await until(
        async () => lines.filter((l) => l.startsWith("inc")).length >= after,
        "increments",
      );
      const alive = [0, 1, 2, 3, 4].filter((index) => !finished.has(index));
      const victim = alive.includes(lastIncrement) ? lastIncrement : alive[0];
      if (victim !== undefined) children[victim]?.kill("SIGKILL");
    }
    const results = await Promise.all(children);
    const killed = results.filter((result) => result.signal === "SIGKILL").length;
    const survivors = results.filter((result) => result.signal !== "SIGKILL");
    for (const result of survivors) expect(result.exitCode).toBe(0);
    expect(killed).toBeGreaterThanOrEqual(1);
    const final = Number(await readFile(path, "utf8"));
    const reported = checkCounterLines(lines, final, killed);
    console.info(
      `lock storm: 5 processes, ${killed} SIGKILLed, ${reported} increments ` +
        `(per process ${perChild.join("/")}), final ${final}`,
    );
    expect(lines.filter((line) => line === "done")).toHaveLength(survivors.length);
    expect(reported).toBeGreaterThanOrEqual(15 * survivors.length);
  }, 60_000);

  it("recovers at once from a holder killed with SIGKILL", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    const path = join(dir, "a");
    const holder = execa(process.execPath, [HOLDER, path], { reject: false, timeout: 30_000 });
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on("data", (data: Buffer) => {
        if (data.toString().includes("holding")) resolve();
      });
      holder.then((r) => reject(new Error(`holder exited: ${r.stderr}`)));
    });
    await expect(lockFile(path, { waitMs: 0 })).rejects.toMatchObject({ code: "ERR_LOCKED" });
    holder.kill("SIGKILL");
    await holder;
    // Its heartbeat would keep the lock valid for a minute; its death frees it now.
    const lock = await lockFile(path, { waitMs: 2_000, staleMs: 60_000 });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });
});
