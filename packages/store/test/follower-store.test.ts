import type { FsPort } from "@snapwrite/core";
import {
  createFaultyFs,
  createManualClock,
  createMemoryFs,
  type ManualClock,
} from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  type DurableStore,
  type OpenFollowerStoreOptions,
  openFollowerStore,
  type StoreEvent,
} from "../src/index.js";
import {
  type AddOp,
  add,
  addOpsCodec,
  applyAdds,
  type Counters,
  countersCodec,
  DIR,
  openCounters,
} from "./counters.js";

const INTERVAL = 50;

function openFollower(
  fs: FsPort,
  clock: ManualClock,
  extra: Partial<OpenFollowerStoreOptions<Counters, AddOp>> = {},
) {
  return openFollowerStore<Counters, AddOp>({
    dir: DIR,
    fs,
    codec: countersCodec,
    ops: addOpsCodec,
    apply: applyAdds,
    empty: () => Object.freeze({}),
    clock,
    refresh: { intervalMs: INTERVAL },
    ...extra,
  });
}

/** Resolves with the next event of `type` (rejects after `ms` of real time). */
function nextEvent(
  store: DurableStore<Counters, AddOp>,
  type: StoreEvent["type"],
  ms = 5_000,
): Promise<StoreEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const off = store.subscribe((event) => {
      if (event.type !== type) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** Lets pending I/O of the in-memory fs settle without moving the manual clock. */
async function settleIo(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

const memFs = () => createMemoryFs({ [DIR]: null });

describe("openFollowerStore", () => {
  it("loads what the writer committed and shows new commits only after a refresh tick", async () => {
    const fs = memFs();
    const { store: writer } = await openCounters(fs, { compaction: false });
    await writer.commit("a", () => [add("a", 1)]).settled;
    const clock = createManualClock();
    const { store: follower, load } = await openFollower(fs, clock);
    expect(load).toMatchObject({ source: "journal", replayed: 1, seq: 1 });
    expect(follower.read()).toEqual({ value: { a: 1 }, seq: 1 });
    expect(clock.pending).toBe(1);

    await writer.commit("b", () => [add("b", 2)]).settled;
    await writer.commit("a", () => [add("a", 3)]).settled;
    await settleIo();
    // No tick yet: the follower still shows what it loaded.
    expect(follower.read()).toEqual({ value: { a: 1 }, seq: 1 });

    const committed = nextEvent(follower, "committed");
    clock.advance(INTERVAL);
    expect(await committed).toMatchObject({ type: "committed", fromSeq: 2, toSeq: 3, commands: 2 });
    expect(follower.read()).toEqual({ value: { a: 4, b: 2 }, seq: 3 });
    expect(Object.isFrozen(follower.read())).toBe(true);
    expect(follower.state).toMatchObject({ committedSeq: 3, visibleSeq: 3, mode: "read-only" });
    expect(follower.health().reloads).toBe(0);

    expect((await follower.close()).ok).toBe(true);
    expect(clock.pending).toBe(0);
    await writer.close();
  });

  it("reloads from the newer snapshot when the writer compacted past it, and ends equal", async () => {
    const fs = memFs();
    // No preallocation: the compaction rolls this small journal, so it can prune past the follower.
    const { store: writer } = await openCounters(fs, { compaction: false, preallocateBytes: 0 });
    await writer.commit("a", () => [add("a", 1)]).settled;
    const clock = createManualClock();
    const { store: follower } = await openFollower(fs, clock);
    expect(follower.read().seq).toBe(1);

    for (let i = 0; i < 4; i++) await writer.commit("a", (s) => [add("a", (s.a ?? 0) + 1)]).settled;
    const compacted = await writer.compact("test");
    expect(compacted.removedSegments.length).toBeGreaterThan(0);
    await writer.commit("c", () => [add("c", 7)]).settled;
    const namesBefore = (await fs.readdir(DIR)).sort();

    const reloaded = nextEvent(follower, "reloaded");
    clock.advance(INTERVAL);
    expect(await reloaded).toMatchObject({ reason: "refresh: gap", seq: 6 });
    expect(follower.health()).toMatchObject({ reloads: 1, lastReloadReason: "refresh: gap" });
    expect(follower.read()).toEqual(writer.read());
    expect(follower.state.snapshotSeq).toBe(5);
    // The follower moved, rewrote and deleted nothing.
    expect((await fs.readdir(DIR)).sort()).toEqual(namesBefore);

    // And it keeps following from there.
    await writer.commit("c", () => [add("c", 1)]).settled;
    const committed = nextEvent(follower, "committed");
    clock.advance(INTERVAL);
    await committed;
    expect(follower.read()).toEqual(writer.read());
    expect(follower.read()).toEqual({ value: { a: 31, c: 8 }, seq: 7 });

    await follower.close();
    await writer.close();
  });

  it("refuses every write with ERR_READ_ONLY and changes nothing", async () => {
    const fs = memFs();
    const { store: writer } = await openCounters(fs, { compaction: false });
    await writer.commit("a", () => [add("a", 1)]).settled;
    const clock = createManualClock();
    const { store: follower } = await openFollower(fs, clock);
    const namesBefore = (await fs.readdir(DIR)).sort();

    expect(await follower.commit("x", () => [add("x")]).settled).toMatchObject({
      ok: false,
      committed: false,
      error: { code: "ERR_READ_ONLY" },
    });
    const mutated = follower.mutate("x", () => [add("x")]);
    expect(mutated.seq).toBeNull();
    expect(await mutated.settled).toMatchObject({ ok: false, error: { code: "ERR_READ_ONLY" } });
    let persisted = false;
    expect(
      await follower.commitExternal("x", {
        persist: async () => {
          persisted = true;
        },
        ops: [add("x")],
      }).settled,
    ).toMatchObject({ ok: false, error: { code: "ERR_READ_ONLY" } });
    expect(persisted).toBe(false);
    await expect(follower.compact("x")).rejects.toMatchObject({ code: "ERR_READ_ONLY" });
    expect(follower.read()).toEqual({ value: { a: 1 }, seq: 1 });
    expect((await fs.readdir(DIR)).sort()).toEqual(namesBefore);

    await follower.close();
    expect(await follower.commit("x", () => [add("x")]).settled).toMatchObject({
      error: { code: "ERR_CLOSED" },
    });
    await expect(follower.reload("x")).rejects.toMatchObject({ code: "ERR_CLOSED" });
    await writer.close();
  });

  it("a record that does not apply keeps the published root, reloads, and records the error", async () => {
    const fs = memFs();
    const { store: writer } = await openCounters(fs, { compaction: false });
    await writer.commit("a", () => [add("a", 1)]).settled;
    const clock = createManualClock();
    const { store: follower } = await openFollower(fs, clock, {
      apply: (state, ops) => {
        if (ops.some((op) => op.key === "poison")) throw new Error("cannot apply poison");
        return applyAdds(state, ops);
      },
    });
    await writer.commit("poison", () => [add("poison")]).settled;
    const names = (await fs.readdir(DIR)).sort();
    clock.advance(INTERVAL);
    const until = Date.now() + 5_000;
    while (follower.health().lastError === undefined && Date.now() < until) await settleIo();
    expect(follower.health()).toMatchObject({
      reloads: 1,
      lastReloadReason: "refresh: record does not apply",
      lastError: { code: "ERR_CORRUPT" },
    });
    expect(follower.read()).toEqual({ value: { a: 1 }, seq: 1 });
    expect((await fs.readdir(DIR)).sort()).toEqual(names);
    await follower.close();
    await writer.close();
  });

  it("validates the refresh interval", async () => {
    const fs = memFs();
    const clock = createManualClock();
    await expect(openFollower(fs, clock, { refresh: { intervalMs: 5 } })).rejects.toThrow(
      /intervalMs/,
    );
    await expect(openFollower(fs, clock, { refresh: { intervalMs: 12.5 } })).rejects.toThrow(
      /intervalMs/,
    );
    await expect(
      openFollower(fs, clock, { refresh: undefined as unknown as { intervalMs: number } }),
    ).rejects.toThrow(TypeError);
    expect(clock.pending).toBe(0);
  });

  it("unrefs its timer when the clock's handle can be unref'd, and close clears it", async () => {
    const manual = createManualClock();
    const handles: { unrefs: number; id: unknown }[] = [];
    const cleared: unknown[] = [];
    const clock = {
      now: () => manual.now(),
      setTimeout(fn: () => void, ms: number) {
        const handle = {
          unrefs: 0,
          id: manual.setTimeout(fn, ms),
          unref() {
            handle.unrefs++;
          },
        };
        handles.push(handle);
        return handle;
      },
      clearTimeout(handle: unknown) {
        cleared.push(handle);
        manual.clearTimeout((handle as { id: unknown }).id);
      },
    };
    const { store } = await openFollowerStore<Counters, AddOp>({
      dir: DIR,
      fs: memFs(),
      codec: countersCodec,
      ops: addOpsCodec,
      apply: applyAdds,
      empty: () => Object.freeze({}),
      clock,
      refresh: { intervalMs: INTERVAL },
    });
    expect(handles).toHaveLength(1);
    expect(handles[0]?.unrefs).toBe(1);
    await store.close();
    // The refresh timer is cleared (and so is close's own deadline timer, once it is done).
    expect(cleared[0]).toBe(handles[0]);
    expect(manual.pending).toBe(0);
  });

  it("an empty directory loads the empty state", async () => {
    const clock = createManualClock();
    const { store, load } = await openFollower(memFs(), clock);
    expect(load).toMatchObject({ source: "empty", seq: 0 });
    expect(store.read()).toEqual({ value: {}, seq: 0 });
    await store.close();
  });
});

describe("openFollowerStore: close with a refresh that hangs", () => {
  it("returns timed-out at its deadline, and the refresh publishes nothing when it ends", async () => {
    const faulty = createFaultyFs(memFs());
    const { store: writer } = await openCounters(faulty, { compaction: false });
    await writer.commit("a", () => [add("a", 1)]).settled;
    const clock = createManualClock();
    const { store: follower } = await openFollower(faulty, clock);
    await writer.commit("b", () => [add("b", 2)]).settled;
    faulty.addFaults([{ op: "open", path: /\.wal\./, fault: { hang: true } }]);
    clock.advance(INTERVAL);
    await faulty.waitForHang();
    expect(() => follower.close({ timeoutMs: -1 })).toThrow(RangeError);
    const closing = follower.close({ timeoutMs: 10 });
    await settleIo();
    clock.advance(10);
    const report = await closing;
    expect(report).toMatchObject({
      ok: false,
      outcome: "timed-out",
      committedSeq: 1,
      error: { code: "ERR_TIMEOUT" },
    });
    faulty.release();
    await settleIo();
    expect(follower.read()).toEqual({ value: { a: 1 }, seq: 1 });
    expect(await follower.close()).toBe(report);
    await writer.close();
  });
});
