import * as nodeFs from "node:fs/promises";
import type { FsPort } from "@snapwrite/core";
import { createExclusiveFileLock, type JournalLock } from "@snapwrite/journal";
import { describe, expect, it } from "vitest";
import { add, openCounters } from "./counters.js";
import { deadline, tempDirs } from "./wait-and-dirs.js";

const fs = nodeFs as unknown as FsPort;
const tempDir = tempDirs("store-lock-");

/** The journal's exclusive file lock, with a promise that resolves once `acquire` was called. */
function watchedLock(waitMs: number): { lock: JournalLock; acquiring: Promise<void> } {
  const inner = createExclusiveFileLock({ waitMs });
  let called: () => void = () => undefined;
  const acquiring = new Promise<void>((resolve) => {
    called = resolve;
  });
  return {
    lock: {
      acquire(path, signal) {
        called();
        return inner.acquire(path, signal);
      },
    },
    acquiring,
  };
}

describe("openDurableStore with a lock", () => {
  it("a store that waited for the lock loads what the holder left after compacting; the lock stays held until close", async () => {
    const dir = await tempDir();
    // No preallocation: the compaction rolls this small journal, so it has segments to delete.
    const options = { dir, compaction: false as const, preallocateBytes: 0 };
    const a = await openCounters(fs, { ...options, lock: createExclusiveFileLock() });
    for (let i = 0; i < 50; i++) await a.store.commit("inc", () => [add("n")]).settled;

    const watched = watchedLock(10_000);
    const opening = openCounters(fs, { ...options, lock: watched.lock });
    // Keep the rejection handled while A works; it is awaited below.
    opening.catch(() => undefined);
    await deadline(watched.acquiring);
    // B waits for the lock while A compacts (new snapshot, covered segments deleted) and closes.
    expect((await a.store.compact("test")).removedSegments.length).toBeGreaterThan(0);
    expect((await a.store.close()).ok).toBe(true);

    const b = await deadline(opening);
    expect(b.load).toMatchObject({ source: "snapshot", snapshotSeq: 50, replayed: 0, seq: 50 });
    expect(b.store.read().value).toEqual({ n: 50 });

    // Held from open to close, a reload included: another store gives up waiting for it.
    await b.store.reload("test");
    const refused = openCounters(fs, {
      ...options,
      lock: createExclusiveFileLock({ waitMs: 300 }),
    });
    await expect(deadline(refused)).rejects.toMatchObject({ code: "ERR_LOCKED" });
    await b.store.close();
    const c = await deadline(
      openCounters(fs, { ...options, lock: createExclusiveFileLock({ waitMs: 2_000 }) }),
    );
    expect(c.store.read()).toEqual({ value: { n: 50 }, seq: 50 });
    await c.store.close();
  });
});
