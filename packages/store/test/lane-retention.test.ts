import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { add, DIR, openCounters } from "./counters.js";

// A full collection on demand, without starting the test runner with --expose-gc.
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;

describe("openDurableStore: a settled command holds nothing alive", () => {
  it("commands, their closures and their results are collectable once settled, while the store stays open", async () => {
    const { store } = await openCounters(createMemoryFs({ [DIR]: null }));
    const commands: WeakRef<object>[] = [];
    const results: WeakRef<object>[] = [];
    // 16 callers in a row: the store's queue never runs empty while they commit.
    await Promise.all(
      Array.from({ length: 16 }, async (_, caller) => {
        for (let round = 0; round < 20; round++) {
          const marker = { caller, round, payload: new Array(64).fill(round) };
          commands.push(new WeakRef(marker));
          const result = await store.commit("c", () => [add(`k${marker.caller}`)]).settled;
          if (!result.ok) throw result.error;
          results.push(new WeakRef(result));
        }
      }),
    );
    expect(store.health()).toMatchObject({ commits: 320 });
    // WeakRef targets stay alive until the current job ends, and the store's queue waits up to
    // two turns for the acknowledged callers to come back before it goes idle.
    for (let turn = 0; turn < 3; turn++)
      await new Promise<void>((resolve) => setImmediate(resolve));
    collect();
    const alive = (refs: WeakRef<object>[]) => refs.filter((ref) => ref.deref() !== undefined);
    expect(alive(commands).map((ref) => ref.deref())).toEqual([]);
    expect(alive(results)).toHaveLength(0);
    await store.close();
  });
});
