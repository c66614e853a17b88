import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDurableStore, openFollowerStore } from "../src/index.js";
import { counterFiles } from "./counters.js";

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function options(extra: Record<string, unknown>) {
  const base = await mkdtemp(join(tmpdir(), "store-ports-"));
  made.push(base);
  const dir = join(base, "store");
  return {
    dir,
    options: { ...counterFiles(undefined, dir), ...extra },
  };
}

describe("injected clock and lock are checked at open", () => {
  it.each([
    [{ clock: {} }, /openDurableStore: clock\.now must be a function/],
    [{ clock: null }, /openDurableStore: clock must be an object/],
    [{ lock: {} }, /openDurableStore: lock must be a JournalLock/],
    [{ lock: 5 }, /openDurableStore: lock must be a JournalLock/],
  ])("%o is a TypeError before the directory is created", async (extra, message) => {
    const { dir, options: given } = await options(extra);
    await expect(openDurableStore(given as never)).rejects.toThrow(TypeError);
    await expect(openDurableStore(given as never)).rejects.toThrow(message);
    expect(existsSync(dir)).toBe(false);
  });

  it("a follower checks its clock too", async () => {
    const { options: given } = await options({ clock: { now: () => 0 } });
    await expect(openFollowerStore(given as never)).rejects.toThrow(
      /openFollowerStore: clock\.setTimeout must be a function/,
    );
  });
});
