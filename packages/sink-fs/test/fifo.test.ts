import * as nodeFs from "node:fs/promises";
import { lstat, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type FsPort, loadTarget } from "@snapwrite/core";
import { canMkfifo, mkfifo } from "@snapwrite/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink, lockFile } from "../src/index.js";
import { jsonCodec as codec } from "./fixtures/json-codec.mjs";
import { createTempDirs, tempFilesIn, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

/** Settles `promise` or fails once `ms` passed: a FIFO must never make an operation wait. */
async function settled<T>(promise: Promise<T>, ms = 5_000): Promise<PromiseSettledResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  const outcome = await Promise.race([
    promise.then(
      (value): PromiseSettledResult<T> => ({ status: "fulfilled", value }),
      (reason: unknown): PromiseSettledResult<T> => ({ status: "rejected", reason }),
    ),
    deadline,
  ]);
  clearTimeout(timer);
  if (outcome === "timeout") throw new Error(`still pending after ${ms} ms: blocked on a FIFO`);
  return outcome;
}

function rejection<T>(outcome: PromiseSettledResult<T>): unknown {
  if (outcome.status === "fulfilled") throw new Error("resolved; expected a rejection");
  return outcome.reason;
}

const NOT_REGULAR = { code: "ERR_INVALID_TARGET", details: { reason: "not-a-regular-file" } };

describe.skipIf(!canMkfifo)("FIFOs never block (needs mkfifo)", () => {
  it("refuses to read a FIFO at the target or at its backup", async () => {
    const dir = await dirs.make();
    mkfifo(join(dir, "a.json"));
    mkfifo(join(dir, "b.json.bak"));
    const sink = createFsSink({ dir, backup: true });
    expect(rejection(await settled(sink.read("a.json")))).toMatchObject(NOT_REGULAR);
    expect(rejection(await settled(sink.read("b.json", { from: "backup" })))).toMatchObject(
      NOT_REGULAR,
    );
  });

  it("loadTarget reports a FIFO primary or backup as not a regular file and moves nothing", async () => {
    const dir = await dirs.make();
    mkfifo(join(dir, "a.json"));
    mkfifo(join(dir, "b.json.bak"));
    const sink = createFsSink({ dir, backup: true });
    const primary = await settled(loadTarget(sink, "a.json", codec));
    expect(primary).toMatchObject({
      status: "fulfilled",
      value: { ok: false, error: NOT_REGULAR },
    });
    const backup = await settled(loadTarget(sink, "b.json", codec));
    expect(backup).toMatchObject({
      status: "fulfilled",
      // Something sits where the backup should be: not reported as a first start (ERR_NOT_FOUND).
      value: { ok: false, error: NOT_REGULAR, backupError: NOT_REGULAR },
    });
    expect((await readdir(dir)).sort()).toEqual(["a.json", "b.json.bak"]);
    expect((await lstat(join(dir, "a.json"))).isFIFO()).toBe(true);
  });

  it("refuses to write over a FIFO with backup, linking nothing into .bak", async () => {
    const dir = await dirs.make();
    mkfifo(join(dir, "a.json"));
    const sink = createFsSink({ dir, backup: true });
    const error = rejection(await settled(sink.write("a.json", textChunks("{}"))));
    expect(error).toMatchObject({ ...NOT_REGULAR, stage: "open" });
    expect(await readdir(dir)).toEqual(["a.json"]);
    expect((await lstat(join(dir, "a.json"))).isFIFO()).toBe(true);
  });

  it("never makes a FIFO the backup when the target turns into one during the write", async () => {
    const dir = await dirs.make();
    const target = join(dir, "a.json");
    await writeFile(target, '{"v":1}');
    // Swaps the target for a FIFO just before the backup link: after the write's own check.
    const swapping: FsPort = {
      ...nodeFs,
      async link(existing, created) {
        if (existing === target) {
          await nodeFs.unlink(target);
          mkfifo(target);
        }
        return nodeFs.link(existing, created);
      },
    };
    const sink = createFsSink({ dir, backup: true, fs: swapping });
    const error = rejection(await settled(sink.write("a.json", textChunks('{"v":2}'))));
    expect(error).toMatchObject({ ...NOT_REGULAR, stage: "rename" });
    expect(await readdir(dir)).toEqual(["a.json"]);
    expect(await tempFilesIn(dir)).toEqual([]);
  });

  it("settles many FIFO reads at once and leaves the thread pool free for other fs calls", async () => {
    const dir = await dirs.make();
    const names = Array.from({ length: 8 }, (_, i) => `fifo-${i}`);
    for (const name of names) mkfifo(join(dir, name));
    await writeFile(join(dir, "plain.txt"), "plain");
    const sink = createFsSink({ dir });
    const outcomes = await settled(Promise.allSettled(names.map((name) => sink.read(name))));
    if (outcomes.status !== "fulfilled") throw new Error("unreachable");
    for (const outcome of outcomes.value) expect(rejection(outcome)).toMatchObject(NOT_REGULAR);
    expect(await settled(readFile(join(dir, "plain.txt"), "utf8"))).toEqual({
      status: "fulfilled",
      value: "plain",
    });
  });

  it("a FIFO named like a lock file fails the lock at once instead of hanging it", async () => {
    const dir = await dirs.make();
    mkfifo(join(dir, ".a.json.lock"));
    const sink = createFsSink({ dir, lock: { waitMs: 200 } });
    const outcome = await settled(sink.write("a.json", textChunks("{}")));
    expect(rejection(outcome)).toMatchObject({
      ...NOT_REGULAR,
      stage: "lock",
      target: "a.json",
      details: { lockPath: join(dir, ".a.json.lock") },
    });
    expect(await lstat(join(dir, "a.json")).catch(() => undefined)).toBeUndefined();
    mkfifo(join(dir, ".held.lock"));
    const held = await settled(lockFile(join(dir, "held"), { waitMs: 200 }));
    expect(rejection(held)).toMatchObject({ code: expect.stringMatching(/^ERR_/) });
  });
});

describe("createFsSink: a directory on the target's path that is not one", () => {
  const kinds = [
    ["a regular file", (path: string) => writeFile(path, "x")],
    [
      "a symlink to itself",
      (path: string) => nodeFs.symlink(path.split("/").pop() as string, path),
    ],
    ["a dangling symlink", (path: string) => nodeFs.symlink("nowhere/at/all", path)],
    ...(canMkfifo ? [["a FIFO", async (path: string) => mkfifo(path)] as const] : []),
  ] as const;
  for (const [kind, make] of kinds) {
    it(`refuses at once, permanently, a parent that is ${kind}`, async () => {
      const dir = await dirs.make();
      await make(join(dir, "sub"));
      for (const lock of [false, true]) {
        const sink = createFsSink({ dir, lock });
        const error = rejection(await settled(sink.write("sub/t.json", textChunks("{}"))));
        expect(error).toMatchObject({
          code: "ERR_INVALID_TARGET",
          stage: "open",
          target: "sub/t.json",
          details: { reason: "parent-not-a-directory", path: join(dir, "sub") },
        });
        await sink.close();
      }
      expect((await readdir(dir)).sort()).toEqual(["sub"]);
    });
  }
});

describe("createFsSink: a target symlink whose destination can never be written", () => {
  it("refuses a link through a file or a dangling link, and a loop of links, at once", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "blk"), "x");
    await nodeFs.symlink("nowhere", join(dir, "dl"));
    await nodeFs.symlink("blk/t.json", join(dir, "through-file.json"));
    await nodeFs.symlink("dl/t.json", join(dir, "through-dangling.json"));
    await nodeFs.symlink("loop-b.json", join(dir, "loop-a.json"));
    await nodeFs.symlink("loop-a.json", join(dir, "loop-b.json"));
    const sink = createFsSink({ dir });
    const refused = async (target: string) =>
      rejection(await settled(sink.write(target, textChunks("{}"))));
    expect(await refused("through-file.json")).toMatchObject({
      code: "ERR_INVALID_TARGET",
      details: { reason: "parent-not-a-directory", path: join(dir, "blk") },
    });
    expect(await refused("through-dangling.json")).toMatchObject({
      code: "ERR_INVALID_TARGET",
      details: { reason: "parent-not-a-directory", path: join(dir, "dl") },
    });
    expect(await refused("loop-a.json")).toMatchObject({
      code: "ERR_INVALID_TARGET",
      details: { reason: "symlink-loop" },
    });
    // A dangling link AT the target is still written through, creating its destination.
    await nodeFs.symlink("made/here.json", join(dir, "ahead.json"));
    await sink.write("ahead.json", textChunks("{}"));
    expect(await nodeFs.readFile(join(dir, "made", "here.json"), "utf8")).toBe("{}");
    await sink.close();
  });
});
