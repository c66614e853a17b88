import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import { type FsPort, isPermanentErrorCode } from "@snapwrite/core";
import { createExclusiveFileLock, listSegments } from "@snapwrite/journal";
import { describe, expect, it } from "vitest";
import { openFollowerStore } from "../src/index.js";
import { add, counterFiles, openCounters } from "./counters.js";
import { deadline, tempDirs } from "./wait-and-dirs.js";

const fs = nodeFs as unknown as FsPort;
const tempDir = tempDirs("store-blocked-");

/** A store compacted at seq 20 (its only snapshot), with 5 records after it; returns its files. */
async function compactedStore(dir: string): Promise<string[]> {
  const { store } = await openCounters(fs, { dir, compaction: false });
  for (let i = 0; i < 20; i++) await store.commit("inc", () => [add("n")]).settled;
  await store.compact("test");
  for (let i = 0; i < 5; i++) await store.commit("inc", () => [add("n")]).settled;
  await store.close();
  return (await nodeFs.readdir(dir)).sort();
}

const openFollower = (dir: string) =>
  openFollowerStore({ ...counterFiles(fs, dir), refresh: { intervalMs: 1_000 } });

/** Both opens reject with the permanent `ERR_INVALID_TARGET` of `reason`, at stage open. */
async function bothRefuse(dir: string, reason: string): Promise<void> {
  const refused = { code: "ERR_INVALID_TARGET", stage: "open", details: { reason } };
  const lock = createExclusiveFileLock({ waitMs: 2_000 });
  for (const open of [() => openCounters(fs, { dir, lock }), () => openFollower(dir)]) {
    const error = await deadline(open()).then(
      () => undefined,
      (e: unknown) => e as { code: string },
    );
    expect(error).toMatchObject(refused);
    expect(isPermanentErrorCode(error?.code ?? "")).toBe(true);
  }
}

describe.skipIf(process.platform === "win32")(
  "store files no retry can make readable: ERR_INVALID_TARGET, nothing moved aside",
  () => {
    it("a newer snapshot name that is a link loop fails both opens; the older snapshot is not used", async () => {
      const dir = await tempDir();
      const files = await compactedStore(dir);
      const newer = "store.snap.0000000000000019";
      await nodeFs.symlink(newer, join(dir, newer));
      await bothRefuse(dir, "symlink-loop");
      expect((await nodeFs.readdir(dir)).sort()).toEqual([...files, newer].sort());
      // The failed open released its lock; once the loop is gone the store opens as before.
      await nodeFs.rm(join(dir, newer));
      const { store, load } = await openCounters(fs, {
        dir,
        lock: createExclusiveFileLock({ waitMs: 0 }),
      });
      expect(load).toMatchObject({ source: "snapshot", snapshotSeq: 20, seq: 25 });
      expect(store.read().value).toEqual({ n: 25 });
      await store.close();
    });

    it("a snapshot name that is a link through a file fails both opens", async () => {
      const dir = await tempDir();
      const files = await compactedStore(dir);
      const snapshot = files.find((file) => file.includes(".snap.")) as string;
      await nodeFs.rename(join(dir, snapshot), join(dir, "afile"));
      await nodeFs.symlink(`afile/${snapshot}`, join(dir, snapshot));
      await bothRefuse(dir, "parent-not-a-directory");
      expect((await nodeFs.readdir(dir)).sort()).toEqual([...files, "afile"].sort());
    });

    it("a link loop at a newer snapshot's name fails a reload of either store", async () => {
      const dir = await tempDir();
      await compactedStore(dir);
      const { store } = await openCounters(fs, { dir });
      const follower = await openFollower(dir);
      await nodeFs.symlink("store.snap.0000000000000019", join(dir, "store.snap.0000000000000019"));
      const refused = {
        code: "ERR_INVALID_TARGET",
        stage: "open",
        details: { reason: "symlink-loop" },
      };
      await expect(deadline(store.reload("test"))).rejects.toMatchObject(refused);
      await expect(deadline(follower.store.reload("test"))).rejects.toMatchObject(refused);
      expect(follower.store.read().value).toEqual({ n: 25 });
      await follower.store.close();
      await store.close();
    });

    it("a journal segment name that is a link loop fails both opens", async () => {
      const dir = await tempDir();
      const files = await compactedStore(dir);
      const segments = await listSegments(fs, dir, "store");
      const last = segments[segments.length - 1] as string;
      await nodeFs.rename(join(dir, last), join(dir, "kept"));
      await nodeFs.symlink(last, join(dir, last));
      await bothRefuse(dir, "symlink-loop");
      expect((await nodeFs.readdir(dir)).sort()).toEqual([...files, "kept"].sort());
    });
  },
);
