import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { add, DIR, openCounters } from "./counters.js";

const memFs = () => createMemoryFs({ [DIR]: null });
const nextImmediate = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("openDurableStore: the next group waits a turn for acknowledged callers", () => {
  it("callers that commit again a turn after their acknowledgement share one group per round", async () => {
    const { store } = await openCounters(memFs());
    const sizes: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, caller) => {
        for (let round = 0; round < 5; round++) {
          const result = await store.commit("c", () => [add(`k${caller}`)]).settled;
          if (!result.ok) throw result.error;
          sizes.push(result.group.commands);
          await nextImmediate();
        }
      }),
    );
    expect(sizes).toEqual(Array.from({ length: 40 }, () => 8));
    expect(store.health()).toMatchObject({ commits: 40, groups: 5 });
    expect(store.read().value).toEqual(
      Object.fromEntries(Array.from({ length: 8 }, (_, c) => [`k${c}`, 5])),
    );
    await store.close();
  });

  it("a lone caller's next commit does not wait for the event loop", async () => {
    const { store } = await openCounters(memFs());
    expect((await store.commit("first", () => [add("a")]).settled).ok).toBe(true);
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    // The memory file system answers within microtasks: without a wait in the lane, the second
    // commit settles before the event loop turns.
    expect((await store.commit("second", () => [add("a")]).settled).ok).toBe(true);
    expect(turned).toBe(false);
    expect(store.read().value).toEqual({ a: 2 });
    await store.close();
  });

  it("the next group forms as soon as every acknowledged caller is back, before the event loop turns", async () => {
    const { store } = await openCounters(memFs());
    let turned = false;
    const seconds = Array.from({ length: 4 }, (_, caller) =>
      store
        .commit("first", () => [add(`k${caller}`)])
        .settled.then((first) => {
          if (!first.ok) throw first.error;
          if (caller === 0) {
            setImmediate(() => {
              turned = true;
            });
          }
          return store.commit("second", () => [add(`k${caller}`)]).settled;
        }),
    );
    const results = await Promise.all(seconds);
    // The memory file system answers within microtasks: only the wait in the lane could let the
    // event loop turn before the second group is written.
    expect(turned).toBe(false);
    expect(results.map((r) => r.ok && r.group.commands)).toEqual([4, 4, 4, 4]);
    expect(store.health()).toMatchObject({ commits: 8, groups: 2 });
    await store.close();
  });
});
