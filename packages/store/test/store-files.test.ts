import { execFileSync } from "node:child_process";
import * as nodeFs from "node:fs/promises";
import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { createExclusiveFileLock } from "@snapwrite/journal";
import { createFaultyFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openFollowerStore } from "../src/index.js";
import { add, addOpsCodec, applyAdds, countersCodec, openCounters } from "./counters.js";
import { deadline, tempDirs } from "./wait-and-dirs.js";

const fs = nodeFs as unknown as FsPort;
const tempDir = tempDirs("store-files-");

function followerOptions(dir: string, files: FsPort) {
  return {
    dir,
    fs: files,
    codec: countersCodec,
    ops: addOpsCodec,
    apply: applyAdds,
    empty: () => Object.freeze({}),
    refresh: { intervalMs: 1_000 },
  };
}

function openFollower(dir: string, files: FsPort) {
  return openFollowerStore(followerOptions(dir, files));
}

/** A store compacted at seq 20 (its only snapshot), with 5 records after it; returns its files. */
async function compactedStore(dir: string): Promise<string[]> {
  const { store } = await openCounters(fs, { dir, compaction: false });
  for (let i = 0; i < 20; i++) await store.commit("inc", () => [add("n")]).settled;
  await store.compact("test");
  for (let i = 0; i < 5; i++) await store.commit("inc", () => [add("n")]).settled;
  await store.close();
  return (await nodeFs.readdir(dir)).sort();
}

/** `node:fs/promises` whose opens of the snapshot files fail with EACCES (as for a non-root user). */
const snapshotsUnreadable = () =>
  createFaultyFs(fs, [
    { op: "open", path: /\.snap\.[0-9a-f]{16}$/, times: Infinity, fault: { error: "EACCES" } },
  ]);

describe("a snapshot that cannot be read", () => {
  it("fails openDurableStore with the read's own ERR_PERMISSION, moves nothing aside and releases the lock", async () => {
    const dir = await tempDir();
    const files = await compactedStore(dir);
    const opening = openCounters(snapshotsUnreadable(), {
      dir,
      lock: createExclusiveFileLock({ waitMs: 2_000 }),
    });
    await expect(deadline(opening)).rejects.toMatchObject({
      code: "ERR_PERMISSION",
      stage: "open",
      details: { osCode: "EACCES" },
    });
    expect((await nodeFs.readdir(dir)).sort()).toEqual(files);
    // The failed open released its lock: a store that does not wait for it opens.
    const { store, load } = await openCounters(fs, {
      dir,
      lock: createExclusiveFileLock({ waitMs: 0 }),
    });
    expect(load).toMatchObject({ source: "snapshot", snapshotSeq: 20, replayed: 5, seq: 25 });
    expect(store.read().value).toEqual({ n: 25 });
    await store.close();
  });

  it("fails openFollowerStore with the read's own ERR_PERMISSION", async () => {
    const dir = await tempDir();
    const files = await compactedStore(dir);
    await expect(deadline(openFollower(dir, snapshotsUnreadable()))).rejects.toMatchObject({
      code: "ERR_PERMISSION",
      stage: "open",
      details: { osCode: "EACCES" },
    });
    expect((await nodeFs.readdir(dir)).sort()).toEqual(files);
  });

  it("that is a FIFO fails openDurableStore and openFollowerStore with ERR_INVALID_TARGET at once and stays", async () => {
    const dir = await tempDir();
    const fifo = join(dir, "store.snap.0000000000000005");
    execFileSync("mkfifo", [fifo]);
    const refused = {
      code: "ERR_INVALID_TARGET",
      stage: "open",
      details: { reason: "not-a-regular-file" },
    };
    await expect(deadline(openCounters(fs, { dir }))).rejects.toMatchObject(refused);
    await expect(deadline(openFollower(dir, fs))).rejects.toMatchObject(refused);
    expect((await nodeFs.lstat(fifo)).isFIFO()).toBe(true);
  });

  it("a journal record that no longer applies fails openDurableStore and openFollowerStore with ERR_CORRUPT at stage open", async () => {
    const dir = await tempDir();
    await compactedStore(dir);
    const refuse = () => {
      throw new Error("no longer applies");
    };
    const corrupt = { code: "ERR_CORRUPT", stage: "open", details: { reason: "record", seq: 21 } };
    await expect(deadline(openCounters(fs, { dir, apply: refuse }))).rejects.toMatchObject(corrupt);
    await expect(
      deadline(openFollowerStore({ ...followerOptions(dir, fs), apply: refuse })),
    ).rejects.toMatchObject(corrupt);
  });
});

describe("a store directory that is not a directory", () => {
  it("a regular file or FIFO at dir fails both opens with ERR_INVALID_TARGET not-a-directory, never waited on", async () => {
    const base = await tempDir();
    const file = join(base, "file");
    await nodeFs.writeFile(file, "x");
    const fifo = join(base, "fifo");
    execFileSync("mkfifo", [fifo]);
    for (const dir of [file, fifo, join(file, "below")]) {
      const refused = {
        code: "ERR_INVALID_TARGET",
        stage: "open",
        details: { reason: "not-a-directory", path: dir },
      };
      await expect(deadline(openCounters(fs, { dir })), dir).rejects.toMatchObject(refused);
      await expect(deadline(openFollower(dir, fs)), dir).rejects.toMatchObject(refused);
    }
    expect((await nodeFs.lstat(fifo)).isFIFO()).toBe(true);
    expect(await nodeFs.readFile(file, "utf8")).toBe("x");
  });
});
