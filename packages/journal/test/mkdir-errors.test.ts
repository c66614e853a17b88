import type { FsPort } from "@snapwrite/core";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog, openJournal } from "../src/index.js";

function osError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: mkdir`), { code });
}

/**
 * A memory disk on which a directory at or below `refused` cannot be created: with `recursive`
 * the failure comes out as `ENOENT` (what Node reports for a full or read-only disk), without it
 * as `code` (what the OS said).
 */
function diskRefusingDirectories(refused: string, code: string): FsPort {
  const memory = createMemoryFs({ "/disk": null });
  return new Proxy(memory, {
    get(target, key) {
      if (key === "mkdir") {
        return async (path: string, options?: { recursive?: boolean }) => {
          if (path === refused || path.startsWith(`${refused}/`)) {
            throw osError(options?.recursive === true ? "ENOENT" : code);
          }
          return target.mkdir(path, options as { recursive: true });
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("a missing directory the disk refuses to create", () => {
  for (const [osCode, code] of [
    ["ENOSPC", "ERR_NO_SPACE"],
    ["EROFS", "ERR_PERMISSION"],
  ] as const) {
    it(`openAppendLog reports ${osCode} as ${code}, not as the ENOENT of the recursive mkdir`, async () => {
      const fs = diskRefusingDirectories("/disk/a/b", osCode);
      await expect(openAppendLog({ fs, path: "/disk/a/b/log.jsonl" })).rejects.toMatchObject({
        code,
        stage: "open",
        details: { osCode },
      });
    });

    it(`openJournal reports ${osCode} as ${code}`, async () => {
      const fs = diskRefusingDirectories("/disk/j", osCode);
      await expect(openJournal({ fs, dir: "/disk/j", name: "j" })).rejects.toMatchObject({
        code,
        stage: "open",
        details: { osCode },
      });
    });
  }

  it("keeps ENOENT when creating the directories one by one finds nothing else", async () => {
    const fs = diskRefusingDirectories("/disk/j", "EEXIST");
    await expect(openJournal({ fs, dir: "/disk/j", name: "j" })).rejects.toMatchObject({
      code: "ERR_IO",
      details: { osCode: "ENOENT" },
    });
  });
});
