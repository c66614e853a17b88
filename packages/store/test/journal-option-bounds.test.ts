import {
  MAX_SEGMENT_BYTES,
  MIN_SEGMENT_BYTES,
  MIN_SMALL_FIRST_BYTES,
  openJournal,
} from "@snapwrite/journal";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { add, openCounters } from "./counters.js";

/** What a rejection says after the caller's name and the option's path. */
async function refusal(
  opening: Promise<unknown>,
  path: string,
): Promise<{ type: string; says: string }> {
  const error = await opening.then(
    () => expect.unreachable(`${path} was accepted`),
    (e: unknown) => e as Error,
  );
  const at = error.message.indexOf(`${path} `);
  expect(at, error.message).toBe(0);
  return { type: error.constructor.name, says: error.message.slice(at + path.length) };
}

/** The same option in the journal (`journal` path) and the store (`store` path). */
const SHARED = [
  {
    journal: "maxSegmentBytes",
    store: "maxSegmentBytes",
    min: MIN_SEGMENT_BYTES,
    journalOptions: (v: number) => ({ maxSegmentBytes: v }),
    storeOptions: (v: number) => ({ maxSegmentBytes: v }),
  },
  {
    journal: "group.smallFirstBytes",
    store: "groupCommit.smallFirstBytes",
    min: MIN_SMALL_FIRST_BYTES,
    journalOptions: (v: number) => ({ group: { smallFirstBytes: v } }),
    storeOptions: (v: number) => ({ groupCommit: { smallFirstBytes: v } }),
  },
] as const;

describe("the store checks the journal's options against the journal's own bounds", () => {
  it("the bounds are a segment header and one record header for maxSegmentBytes, 0 for smallFirstBytes", () => {
    expect(MIN_SEGMENT_BYTES).toBe(60);
    expect(MAX_SEGMENT_BYTES).toBe(2 ** 32 - 1);
    expect(MIN_SMALL_FIRST_BYTES).toBe(0);
  });

  it("maxSegmentBytes: both refuse more than MAX_SEGMENT_BYTES with the same RangeError, and both take it", async () => {
    const fs = createMemoryFs({ "/j": null });
    for (const value of [MAX_SEGMENT_BYTES + 1, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      const fromJournal = await refusal(
        openJournal({ fs, dir: "/j", name: "db", maxSegmentBytes: value }),
        "openJournal: maxSegmentBytes",
      );
      const fromStore = await refusal(
        openCounters(fs, { maxSegmentBytes: value }),
        "openDurableStore: maxSegmentBytes",
      );
      expect(fromStore, String(value)).toEqual(fromJournal);
      expect(fromJournal, String(value)).toEqual({
        type: "RangeError",
        says: ` must be <= ${MAX_SEGMENT_BYTES}, got ${value}`,
      });
    }
    const journal = await openJournal({
      fs,
      dir: "/j",
      name: "db",
      maxSegmentBytes: MAX_SEGMENT_BYTES,
    });
    expect((await journal.append(new Uint8Array(1))).seq).toBe(1);
    await journal.close();
    const { store } = await openCounters(fs, { maxSegmentBytes: MAX_SEGMENT_BYTES });
    expect((await store.commit("a", () => [add("a")]).settled).ok).toBe(true);
    expect((await store.close()).ok).toBe(true);
  });

  for (const option of SHARED) {
    it(`${option.store}: both refuse the same values with the same RangeError, and both take the bound`, async () => {
      const fs = createMemoryFs({ "/j": null });
      const below = option.min - 1;
      for (const value of [below, option.min - 0.5, Number.NaN, -1]) {
        const fromJournal = await refusal(
          openJournal({ fs, dir: "/j", name: "db", ...option.journalOptions(value) }),
          `openJournal: ${option.journal}`,
        );
        const fromStore = await refusal(
          openCounters(fs, option.storeOptions(value)),
          `openDurableStore: ${option.store}`,
        );
        expect(fromStore, String(value)).toEqual(fromJournal);
        expect(fromJournal.type, String(value)).toBe("RangeError");
      }
      await expect(
        openJournal({ fs, dir: "/j", name: "db", ...option.journalOptions(below) }),
      ).rejects.toThrow(
        new RangeError(`openJournal: ${option.journal} must be >= ${option.min}, got ${below}`),
      );
      await expect(openCounters(fs, option.storeOptions(below))).rejects.toThrow(
        new RangeError(`openDurableStore: ${option.store} must be >= ${option.min}, got ${below}`),
      );
      const journal = await openJournal({
        fs,
        dir: "/j",
        name: "db",
        ...option.journalOptions(option.min),
      });
      expect((await journal.append(new Uint8Array(1))).seq).toBe(1);
      await journal.close();
      const { store } = await openCounters(fs, option.storeOptions(option.min));
      const first = await store.commit("a", () => [add("a")]).settled;
      const second = await store.commit("b", () => [add("b")]).settled;
      expect([first.ok, second.ok]).toEqual([true, true]);
      expect(store.read().value).toEqual({ a: 1, b: 1 });
      expect((await store.close()).ok).toBe(true);
    });
  }
});
