import { segmentFileName } from "@snapwrite/journal";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { add, DIR, openCounters } from "./counters.js";

describe("the load report lists the journal's files deleted because they held nothing", () => {
  it("a zero-byte segment after the last one is deleted at open and listed in removedEmpty, not quarantined", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const first = await openCounters(fs, { compaction: false });
    expect(first.load.removedEmpty).toEqual([]);
    expect((await first.store.commit("a", () => [add("a")]).settled).ok).toBe(true);
    await first.store.close();
    const [segment] = (await fs.readdir(DIR)).filter((f) => f.includes(".wal."));
    const name = (segment as string).slice(0, (segment as string).indexOf(".wal."));
    // What a kill between a roll's create and its header write leaves.
    const empty = segmentFileName(name, 2, 0);
    await (await fs.open(`${DIR}/${empty}`, "wx")).close();
    const { store, load } = await openCounters(fs, { compaction: false });
    expect(load.removedEmpty).toEqual([empty]);
    expect(load.quarantined).toEqual([]);
    expect(store.read().value).toEqual({ a: 1 });
    await store.close();
    expect(await fs.readdir(DIR)).not.toContain(empty);
    expect((await fs.readdir(DIR)).some((f) => f.includes(".unused-"))).toBe(false);
  });
});
