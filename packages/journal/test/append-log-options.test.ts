import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsFileHandle, FsPort } from "@snapwrite/core";
import { createMemoryFs } from "@snapwrite/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { openAppendLog, readAppendLog } from "../src/index.js";

const open = openAppendLog as (options: unknown) => Promise<{ close(): Promise<unknown> }>;

/** `fs` counting the handles it opened and has not closed yet. */
function countingHandles(fs: FsPort): { fs: FsPort; open(): number } {
  let live = 0;
  const counted: FsPort = Object.create(fs);
  counted.open = async (...args: Parameters<FsPort["open"]>) => {
    const handle = await fs.open(...args);
    live++;
    const close = handle.close.bind(handle);
    return Object.assign(Object.create(handle) as FsFileHandle, {
      close: async () => {
        live--;
        await close();
      },
    });
  };
  return { fs: counted, open: () => live };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("openAppendLog: injected parts and null options are checked before anything is touched", () => {
  it.each([
    ["lock: null", { lock: null }, 'openAppendLog: lock must be "append", "session" or false'],
    ["format: null", { format: null }, "openAppendLog: bad format"],
    ["rotate: []", { rotate: [] }, "openAppendLog: rotate must be an object"],
    [
      "locker: null",
      { locker: null },
      "openAppendLog: locker must be a JournalLock (an object with acquire)",
    ],
    [
      "locker: {}",
      { locker: {} },
      "openAppendLog: locker must be a JournalLock (an object with acquire)",
    ],
    ["clock: {}", { clock: {} }, "openAppendLog: clock.now must be a function"],
    [
      "clock: null",
      { clock: null },
      "openAppendLog: clock must be an object with now, setTimeout, clearTimeout",
    ],
    ["random: 5", { random: 5 }, "openAppendLog: random must be a function"],
    ["random: null", { random: null }, "openAppendLog: random must be a function"],
  ])("%s is a TypeError and nothing is created", async (_name, extra, message) => {
    const fs = createMemoryFs({ "/logs": null });
    await expect(open({ fs, path: "/logs/new/chat.jsonl", ...extra })).rejects.toThrow(
      new TypeError(message),
    );
    expect(await fs.readdir("/logs")).toEqual([]);
  });

  it("fs: null is a TypeError for openAppendLog and readAppendLog, and the directory is not created", async () => {
    const root = mkdtempSync(join(tmpdir(), "append-log-options-"));
    dirs.push(root);
    const path = join(root, "new", "chat.jsonl");
    await expect(open({ fs: null, path })).rejects.toThrow(
      new TypeError("openAppendLog: fs must be an FsPort object"),
    );
    expect(existsSync(join(root, "new"))).toBe(false);
    const read = readAppendLog({ fs: null as never, path });
    await expect(read.next()).rejects.toThrow(
      new TypeError("readAppendLog: fs must be an FsPort object"),
    );
  });

  it.each([
    [
      "random",
      {
        random: () => {
          throw new Error("no randomness");
        },
      },
    ],
    [
      "clock.now",
      {
        clock: {
          now: () => {
            throw new Error("no time");
          },
          setTimeout,
          clearTimeout,
        },
      },
    ],
  ])(
    "a failing %s while the active file is created leaves no file handle open",
    async (_name, extra) => {
      const counting = countingHandles(createMemoryFs({ "/logs": null }));
      await expect(open({ fs: counting.fs, path: "/logs/chat.jsonl", ...extra })).rejects.toThrow(
        /no (randomness|time)/,
      );
      expect(counting.open()).toBe(0);
    },
  );
});
