import * as nodeFs from "node:fs/promises";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
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
