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
  it("lets a compaction asked for while the loader runs finish first, and compactions keep working", async () => {
    const fs = memFs();
    const external = gatedLoad(Object.freeze({ assets: 7 }));
    const { store } = await openCounters(fs, { loadExternal: external.load });
    await store.commit("seed", () => [add("assets", 2)]).settled;
    const ticket = store.commitExternal("remove", {
      persist: async () => undefined,
      ops: [add("assets", -5)], // does not apply: the reload follows
    });
    await until(() => external.calls() === 1);
    // The loader touches no file of the store: this compaction does not wait for it.
    expect(await deadline(store.compact("while the loader runs"))).toMatchObject({ seq: 1 });
    external.release();
    expect(await deadline(ticket.settled)).toMatchObject({ ok: true, reloaded: true });
    // The reload's own record is seq 2, with a snapshot at it.
    expect(store.state.snapshotSeq).toBe(2);
    // And compactions go on working afterwards (a reload interleaved with one used to break them).
    await store.commit("after", () => [add("later")]).settled;
    expect(await store.compact("again")).toMatchObject({ seq: 3 });
    await store.close();
    const again = await openCounters(fs);
    expect(again.store.read()).toEqual({ value: { assets: 7, later: 1 }, seq: 3 });
    await again.store.close();
  });

  it("a loader that never returns holds neither a compaction nor the close", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs, {
      loadExternal: () => new Promise(() => undefined),
      compaction: false,
    });
    await store.commit("seed", () => [add("assets", 2)]).settled;
    const ticket = store.commitExternal("remove", {
      persist: async () => undefined,
      ops: [add("assets", -5)],
    });
    await until(() => store.health().reloads === 1);
    expect(await deadline(store.compact("while the loader hangs"))).toMatchObject({ seq: 1 });
    const report = await store.close({ timeoutMs: 20 });
    expect(report.outcome).toBe("timed-out");
    // The close ends the wait for the loader: the commit settles, its reload failed.
    expect(await deadline(ticket.settled)).toMatchObject({ ok: true, reloaded: false });
    // A new store opens on the same files and sees the commit, and nothing of the reload.
    const again = await deadline(openCounters(fs));
    expect(again.store.read()).toEqual({ value: { assets: 2 }, seq: 1 });
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
