import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import type { StoreEvent } from "../src/index.js";
import { add, DIR, openCounters } from "./counters.js";
import { deadline } from "./wait-and-dirs.js";

const memFs = () => createMemoryFs({ [DIR]: null });

/** A `loadExternal` that waits for `release()` before it returns `value`. */
function gatedLoad<S>(value: S) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let calls = 0;
  return {
    load: async () => {
      calls++;
      await gate;
      return value;
    },
    release: () => release(),
    calls: () => calls,
  };
}

/** Until `check()` holds (polled every ms), for at most 5 s. */
async function until(check: () => boolean): Promise<void> {
  await deadline(
    (async () => {
      while (!check()) await new Promise((resolve) => setTimeout(resolve, 1));
    })(),
  );
}

describe("the reload after a failed patch with loadExternal", () => {
  it("makes a compaction asked for meanwhile wait, which then covers the loaded state", async () => {
    const fs = memFs();
    const external = gatedLoad(Object.freeze({ assets: 7 }));
    const { store } = await openCounters(fs, { loadExternal: external.load });
    await store.commit("seed", () => [add("assets", 2)]).settled;
    const ticket = store.commitExternal("remove", {
      persist: async () => undefined,
      ops: [add("assets", -5)], // does not apply: the reload follows
    });
    await until(() => external.calls() === 1);
    const compacting = store.compact("while the reload loads");
    await new Promise((resolve) => setTimeout(resolve, 10));
    external.release();
    expect(await deadline(ticket.settled)).toMatchObject({ ok: true, reloaded: true });
    // The reload's own record is seq 2: the compaction ran after it, on the loaded root.
    expect(await deadline(compacting)).toMatchObject({ seq: 2, durable: true });
    expect(store.state.snapshotSeq).toBe(2);
    // And compactions go on working afterwards.
    await store.commit("after", () => [add("later")]).settled;
    expect(await store.compact("again")).toMatchObject({ seq: 3 });
    await store.close();
    const again = await openCounters(fs);
    expect(again.store.read()).toEqual({ value: { assets: 7, later: 1 }, seq: 3 });
    await again.store.close();
  });

  it("publishes and writes nothing once a close timed out while it loaded", async () => {
    const fs = memFs();
    const external = gatedLoad(Object.freeze({ assets: 7 }));
    const { store } = await openCounters(fs, { loadExternal: external.load });
    await store.commit("seed", () => [add("assets", 2)]).settled;
    const before = store.read();
    const events: StoreEvent[] = [];
    store.subscribe((event) => {
      events.push(event);
    });
    const ticket = store.commitExternal("remove", {
      persist: async () => undefined,
      ops: [add("assets", -5)],
    });
    await until(() => external.calls() === 1);
    const report = await store.close({ timeoutMs: 20 });
    expect(report.outcome).toBe("timed-out");
    const files = (await fs.readdir(DIR)).sort();
    external.release();
    expect(await deadline(ticket.settled)).toMatchObject({ reloaded: false });
    expect(store.read()).toBe(before);
    expect(events.map((e) => e.type)).not.toContain("reloaded");
    expect((await fs.readdir(DIR)).sort()).toEqual(files);
  });
});
