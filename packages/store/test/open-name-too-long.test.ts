import { readdir, stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { createExclusiveFileLock, MAX_JOURNAL_NAME_BYTES } from "@snapwrite/journal";
import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openDurableStore } from "../src/index.js";
import { add, counterFiles } from "./counters.js";
import { tempDirs } from "./wait-and-dirs.js";

const TOO_LONG = {
  code: "ERR_INVALID_TARGET",
  details: { reason: "name-too-long", osCode: "ENAMETOOLONG" },
};

describe("a store whose file names are longer than the file system allows", () => {
  it("fails the open with ERR_INVALID_TARGET (name-too-long), leaving no directory it created", async () => {
    const faulty = createFaultyFs(createMemoryFs({ "/disk": null }));
    faulty.addFaults([
      { op: "open", path: /\.wal\./, fault: { error: "ENAMETOOLONG" }, times: Infinity },
    ]);
    await expect(openDurableStore(counterFiles(faulty, "/disk/store"))).rejects.toMatchObject(
      TOO_LONG,
    );
    expect(await faulty.readdir("/disk")).toEqual([]);
  });

  it("leaves a directory that was there before as it was", async () => {
    const faulty = createFaultyFs(createMemoryFs({ "/disk/store": null }));
    faulty.addFaults([
      { op: "open", path: /\.wal\./, fault: { error: "ENAMETOOLONG" }, times: Infinity },
    ]);
    await expect(openDurableStore(counterFiles(faulty, "/disk/store"))).rejects.toMatchObject(
      TOO_LONG,
    );
    expect(await faulty.readdir("/disk")).toEqual(["store"]);
  });
});

describe("a store name at the file system's limit", () => {
  const newDir = tempDirs("store-name-bytes-");
  const longest = "s".repeat(MAX_JOURNAL_NAME_BYTES);

  it("may have 197 bytes and keeps opening after a torn journal tail", async () => {
    const dir = await newDir();
    const options = { ...counterFiles(undefined, dir), name: longest, preallocateBytes: 0 };
    const { store } = await openDurableStore(options);
    for (let i = 0; i < 3; i++) await store.commit("add", () => [add("a")]).settled;
    await store.compact("test");
    await store.commit("add", () => [add("a")]).settled;
    await store.close();
    // What a crash mid-write leaves: the last record cut short.
    const segment = (await readdir(dir))
      .filter((f) => f.includes(".wal."))
      .sort()
      .at(-1);
    const path = join(dir, segment as string);
    await truncate(path, (await stat(path)).size - 5);
    for (let attempt = 0; attempt < 2; attempt++) {
      const reopened = await openDurableStore(options);
      // The first open copies the torn tail aside; the next finds the journal repaired.
      const tail = attempt === 0 ? { reason: "torn" } : null;
      expect(reopened.load).toMatchObject({ seq: 3, tail });
      expect(reopened.store.read().value).toEqual({ a: 3 });
      await reopened.store.close();
    }
  });

  it("refuses one byte more at open, before it creates the directory or takes the lock", async () => {
    const dir = join(await newDir(), "new");
    const name = `${longest}s`;
    await expect(
      openDurableStore({ ...counterFiles(undefined, dir), name, lock: createExclusiveFileLock() }),
    ).rejects.toMatchObject({
      code: "ERR_INVALID_TARGET",
      stage: "open",
      target: join(dir, name),
      details: { reason: "name-too-long", bytes: 198, maxBytes: 197 },
    });
    await expect(stat(dir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses it without a single call on the file system", async () => {
    const faulty = createFaultyFs(createMemoryFs({ "/disk": null }));
    const options = { ...counterFiles(faulty, "/disk/store"), name: `${longest}s` };
    await expect(openDurableStore(options)).rejects.toMatchObject({
      code: "ERR_INVALID_TARGET",
      details: { reason: "name-too-long" },
    });
    expect(faulty.calls).toEqual([]);
  });
});
