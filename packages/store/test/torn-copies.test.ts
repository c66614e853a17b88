import { listSegments } from "@snapwrite/journal";
import { createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { add, DIR, openCounters } from "./counters.js";

/** The copies of torn journal tails in the store's directory, and those whose segment is there. */
async function tornCopies(fs: MemoryFs): Promise<{ all: string[]; ofPresent: string[] }> {
  const files = await fs.readdir(DIR);
  const all = files.filter((f) => f.includes(".torn-")).sort();
  return { all, ofPresent: all.filter((f) => files.includes(f.split(".torn-")[0] as string)) };
}

describe("copies of torn journal tails", () => {
  it("go with the segments compactions delete: torn on every reopen, they stay bounded", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const options = { compaction: false, preallocateBytes: 0 } as const;
    let reported = 0;
    for (let round = 1; round <= 20; round++) {
      const { store, load } = await openCounters(fs, options);
      if (round > 1) expect(load.tail).toMatchObject({ reason: "torn" });
      for (let i = 0; i < 3; i++) await store.commit("add", () => [add(`k${i}`)]).settled;
      const report = await store.compact("round");
      reported += report.removedSegments.filter((f) => f.includes(".torn-")).length;
      await store.commit("add", () => [add("last")]).settled;
      await store.close();
      // A process killed in the middle of its next (large) write: part of a record at the end.
      const segments = await listSegments(fs, DIR, "store");
      fs.vol.appendFileSync(`${DIR}/${segments.at(-1)}`, Buffer.alloc(4096, 0xab));
      // Two snapshots are kept: the segment torn last round goes with the next compaction.
      const { all, ofPresent } = await tornCopies(fs);
      expect(all.length).toBeLessThanOrEqual(2);
      expect(ofPresent).toEqual(all);
    }
    const { store, load } = await openCounters(fs, options);
    expect(load.seq).toBe(80);
    expect(store.read().value).toEqual({ k0: 20, k1: 20, k2: 20, last: 20 });
    const final = await store.compact("final");
    reported += final.removedSegments.filter((f) => f.includes(".torn-")).length;
    await store.close();
    const { all, ofPresent } = await tornCopies(fs);
    expect(all.length).toBeLessThanOrEqual(2);
    expect(ofPresent).toEqual(all);
    // Every copy made but those still there was deleted by a compaction, and reported by it.
    expect(reported + all.length).toBe(20);
  });
});
