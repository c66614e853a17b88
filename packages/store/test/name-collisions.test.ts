import { assertJournalName, segmentFileName } from "@snapwrite/journal";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openDurableStore, openFollowerStore } from "../src/index.js";
import { add, counterFiles, DIR, openCounters } from "./counters.js";

/** A store name that, before names were checked, made its files start like `s`'s unused ones. */
const COLLIDING = `${segmentFileName("s", 1, 0)}.unused-b`;

/** The error `assertJournalName` throws for `name`, as `caller`. */
function journalRefusal(name: string, caller: string): Error {
  try {
    assertJournalName(name, caller);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${name} was accepted`);
}

describe("stores with colliding names in one directory", () => {
  it("opening store s touches none of another store's files, though its name makes them look like s's leftovers", async () => {
    // What a store named COLLIDING (accepted before) leaves: a segment with a record and a
    // just-created, still zero-byte next one.
    const other = [
      `${COLLIDING}.wal.0000000000000001-0000`,
      `${COLLIDING}.wal.0000000000000009-0000`,
    ];
    const fs = createMemoryFs({
      [DIR]: null,
      [`${DIR}/${other[0]}`]: Uint8Array.of(1, 2, 3),
      [`${DIR}/${other[1]}`]: new Uint8Array(0),
    });
    // And a store of an accepted name beside it, open at the same time.
    const { store: beside } = await openCounters(fs, { name: "s.x", maxSegmentBytes: 60 });
    for (const key of ["a", "b", "c"]) {
      expect((await beside.commit(key, () => [add(key)]).settled).ok).toBe(true);
    }
    const besideFiles = (await fs.readdir(DIR)).filter((f) => f.startsWith("s.x."));
    const { store, load } = await openCounters(fs, { name: "s" });
    expect(load.removedEmpty).toEqual([]);
    expect(load.quarantined).toEqual([]);
    expect((await store.commit("a", () => [add("a")]).settled).ok).toBe(true);
    await store.close();
    const left = await fs.readdir(DIR);
    for (const file of [...other, ...besideFiles]) expect(left, file).toContain(file);
    expect((await fs.stat(`${DIR}/${other[1]}`)).size).toBe(0);
    expect((await fs.stat(`${DIR}/${other[0]}`)).size).toBe(3);
    expect((await beside.commit("d", () => [add("d")]).settled).ok).toBe(true);
    await beside.close();
    const { store: again } = await openCounters(fs, { name: "s.x" });
    expect(again.read().value).toEqual({ a: 1, b: 1, c: 1, d: 1 });
    await again.close();
  });

  it("a name the journal refuses is refused by the writer and the follower with the journal's TypeError, before anything is touched", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    for (const name of [COLLIDING, "s.wal.x", "s.snap.1", "a.torn-1", "a.lock", ".", ".."]) {
      for (const factory of ["openDurableStore", "openFollowerStore"] as const) {
        const files = { ...counterFiles(fs), name };
        const opening =
          factory === "openDurableStore"
            ? openDurableStore(files)
            : openFollowerStore({ ...files, refresh: { intervalMs: 50 } });
        const expected = journalRefusal(name, factory);
        expect(expected).toBeInstanceOf(TypeError);
        await expect(opening, `${factory} ${name}`).rejects.toThrow(expected);
      }
    }
    expect(await fs.readdir(DIR)).toEqual([]);
  });
});
