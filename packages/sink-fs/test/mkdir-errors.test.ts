import * as nodeFs from "node:fs/promises";
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink, writeFileAtomic } from "../src/index.js";
import { createTempDirs, failure, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

function osError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: mkdir`), { code });
}

/**
 * The real disk, except that a directory at or below `full` cannot be created: with `recursive`
 * the failure comes out as `ENOENT` (what Node reports for a full or read-only disk), without it
 * as `code` (what the OS said). `made` counts the directories really created.
 */
function diskRefusingDirectories(full: string, code: string): FsPort {
  return {
    ...nodeFs,
    async mkdir(path: string, options: { recursive: true; mode?: number }) {
      if (path === full || path.startsWith(`${full}/`)) {
        throw osError(options?.recursive === true ? "ENOENT" : code);
      }
      return nodeFs.mkdir(path, options);
    },
  } as FsPort;
}

describe("a new directory the disk refuses to create", () => {
  for (const [osCode, code] of [
    ["ENOSPC", "ERR_NO_SPACE"],
    ["EROFS", "ERR_PERMISSION"],
  ] as const) {
    it(`reports ${osCode} as ${code}, not as the ENOENT of the recursive mkdir`, async () => {
      const dir = await dirs.make();
      const fs = diskRefusingDirectories(join(dir, "new", "deeper"), osCode);
      const sink = createFsSink({ dir, fs });
      const error = await failure(sink.write("new/deeper/a.json", textChunks("{}")));
      expect(error).toMatchObject({ code, stage: "open", details: { osCode } });
      // The directory made before the refusal is removed again with the failed write.
      expect(await readdir(dir)).toEqual([]);
      await sink.close();
    });
  }

  it("keeps ENOENT when creating the directories one by one finds nothing else", async () => {
    const dir = await dirs.make();
    const fs = diskRefusingDirectories(join(dir, "new"), "EEXIST");
    const sink = createFsSink({ dir, fs });
    const error = await failure(sink.write("new/a.json", textChunks("{}")));
    expect(error).toMatchObject({ code: "ERR_IO", stage: "open", details: { osCode: "ENOENT" } });
    await sink.close();
  });
});

/**
 * The real disk with room for `free` more directories, as a file system out of inodes: Node's
 * recursive `mkdir` creates what fits and then reports `ENOENT` for the rest (not saying what it
 * created); a plain `mkdir` reports `ENOSPC`.
 */
function diskWithRoomFor(free: number): FsPort {
  let left = free;
  async function makeOne(path: string): Promise<void> {
    if (left === 0) throw osError("ENOSPC");
    await nodeFs.mkdir(path);
    left -= 1;
  }
  async function exists(path: string): Promise<boolean> {
    return nodeFs.lstat(path).then(
      () => true,
      () => false,
    );
  }
  return {
    ...nodeFs,
    async mkdir(path: string, options: { recursive: true; mode?: number }) {
      if (options?.recursive !== true) return makeOne(path);
      const missing: string[] = [];
      for (let p = path; !(await exists(p)); p = dirname(p)) missing.unshift(p);
      for (const made of missing) {
        await makeOne(made).catch(() => {
          throw osError("ENOENT");
        });
      }
      return missing[0];
    },
  } as FsPort;
}

describe("a recursive mkdir that fails after creating some directories", () => {
  it("has the failed write remove them too (sink)", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, fs: diskWithRoomFor(1) });
    const error = await failure(sink.write("a/b/c.json", textChunks("{}")));
    expect(error).toMatchObject({ code: "ERR_NO_SPACE", stage: "open" });
    expect(await readdir(dir)).toEqual([]);
    await sink.close();
  });

  it("has the failed write remove them too (writeFileAtomic)", async () => {
    const dir = await dirs.make();
    const write = writeFileAtomic(join(dir, "a/b/c/d.json"), "{}", { fs: diskWithRoomFor(2) });
    await expect(write).rejects.toMatchObject({ code: "ERR_NO_SPACE", stage: "open" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("keeps the directories that were there before", async () => {
    const dir = await dirs.make();
    await nodeFs.mkdir(join(dir, "kept"));
    const sink = createFsSink({ dir, fs: diskWithRoomFor(1) });
    const error = await failure(sink.write("kept/a/b/c.json", textChunks("{}")));
    expect(error).toMatchObject({ code: "ERR_NO_SPACE", stage: "open" });
    expect(await readdir(dir)).toEqual(["kept"]);
    expect(await readdir(join(dir, "kept"))).toEqual([]);
    await sink.close();
  });
});
