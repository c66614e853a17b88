import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { type CommitResult, openDurableStore, type StoreEvent } from "../src/index.js";
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
import { deadline } from "./wait-and-dirs.js";

const memFs = () => createMemoryFs({ [DIR]: null });

describe("openDurableStore: commit, read, warm load", () => {
  it("publishes a commit only after its journal append, and a reopen replays it", async () => {
    const fs = memFs();
    const { store, load } = await openCounters(fs);
    expect(load).toMatchObject({ source: "empty", snapshotSeq: 0, replayed: 0, seq: 0 });
    expect(store.read()).toEqual({ value: {}, seq: 0 });
    const ticket = store.commit("inc", () => [add("a", 2)]);
    // Not visible before the append resolved.
    expect(store.read().seq).toBe(0);
    const result = await ticket.settled;
    expect(result).toMatchObject({
      ok: true,
      seq: 1,
      durable: true,
      patched: true,
      reloaded: false,
    });
    expect(store.read()).toEqual({ value: { a: 2 }, seq: 1 });
    expect(Object.isFrozen(store.read())).toBe(true);
    await store.commit("inc", (s) => [add("a", (s.a ?? 0) * 10)]).settled;
    expect(store.read().value).toEqual({ a: 22 });
    const report = await store.close();
    expect(report).toMatchObject({ ok: true, outcome: "clean", committedSeq: 2, durableSeq: 2 });

    const again = await openCounters(fs);
    expect(again.load).toMatchObject({ source: "journal", replayed: 2, seq: 2, snapshotSeq: 0 });
    expect(again.store.read()).toEqual({ value: { a: 22 }, seq: 2 });
    await again.store.close();
  });

  it("commands queued together form one group with read-your-writes; a throwing command fails alone", async () => {
    const faulty = createFaultyFs(memFs());
    const { store } = await openCounters(faulty);
    const syncsBefore = faulty.calls.filter((c) => c.op === "datasync").length;
    const t1 = store.commit("a", (s) => [add("a", (s.a ?? 0) + 1)]);
    const t2 = store.commit("boom", () => {
      throw new Error("bad command");
    });
    const t3 = store.commit("a again", (s) => [add("a", s.a ?? 0)]); // sees t1's effect
    const t4 = store.commit("conflict", () => [add("a", -100)]);
    const t5 = store.commit("none", () => []);
    const results = await Promise.all([t1, t2, t3, t4, t5].map((t) => t.settled));
    expect(results[0]).toMatchObject({ ok: true, seq: 1 });
    expect(results[1]).toMatchObject({
      ok: false,
      committed: false,
      error: { code: "ERR_COMMAND" },
    });
    expect(results[2]).toMatchObject({ ok: true, seq: 2, group: { commands: 3 } });
    expect(results[3]).toMatchObject({
      ok: false,
      committed: false,
      error: { code: "ERR_COMMAND" },
    });
    expect(results[4]).toMatchObject({ ok: true, seq: 2 });
    expect(store.read()).toEqual({ value: { a: 2 }, seq: 2 });
    expect(faulty.calls.filter((c) => c.op === "datasync").length - syncsBefore).toBe(1);
    expect(store.health()).toMatchObject({ commits: 2, commandErrors: 2, groups: 1 });
    await store.close();
  });

  it("groups stop at maxCommands, and at the first record's size plus smallFirstBytes", async () => {
    const { store } = await openCounters(memFs(), {
      groupCommit: { maxCommands: 3 },
    });
    const byCount = await Promise.all(
      Array.from({ length: 7 }, () => store.commit("c", () => [add("a")]).settled),
    );
    expect(byCount.map((r) => (r.ok ? r.group.commands : 0))).toEqual([3, 3, 3, 3, 3, 3, 1]);
    await store.close();

    const small = await openCounters(memFs(), { groupCommit: { smallFirstBytes: 100 } });
    const big = "x".repeat(300);
    const results = await Promise.all([
      small.store.commit("small", () => [add("a")]).settled,
      small.store.commit("small", () => [add("b")]).settled,
      small.store.commit("big", () => [add(big)]).settled,
      small.store.commit("after", () => [add("c")]).settled,
    ]);
    // The cap is checked before each command runs: the big one still joins (a command is never
    // run twice), and the group is full after it.
    expect(results.map((r) => (r.ok ? r.group.commands : 0))).toEqual([3, 3, 3, 1]);
    await small.store.close();
  });

  it("a hung fsync: commits queued behind it cost one more sync, and readers never see them early", async () => {
    const faulty = createFaultyFs(memFs());
    const { store } = await openCounters(faulty);
    faulty.addFaults([{ op: "datasync", path: /\.wal\./, fault: { hang: true } }]);
    const first = store.commit("first", () => [add("x")]);
    const hung = await deadline(faulty.waitForHang());
    const queued = Array.from({ length: 20 }, (_, i) => store.commit(`q${i}`, () => [add("y", 1)]));
    queued.push(
      store.commit("fails alone", () => {
        throw new Error("nope");
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.read()).toEqual({ value: {}, seq: 0 });
    const syncs = () => faulty.calls.filter((c) => c.op === "datasync").length;
    const before = syncs();
    faulty.release(hung.seq);
    expect(await deadline(first.settled)).toMatchObject({ ok: true, seq: 1 });
    const results = await deadline(Promise.all(queued.map((t) => t.settled)));
    expect(results.slice(0, 20).every((r) => r.ok)).toBe(true);
    // The group holds the 20 commands that committed; the failing one is not counted.
    expect(results[0]).toMatchObject({ group: { commands: 20 } });
    expect(results[20]).toMatchObject({ ok: false, error: { code: "ERR_COMMAND" } });
    expect(syncs() - before).toBe(1);
    expect(store.read()).toEqual({ value: { x: 1, y: 20 }, seq: 21 });
    await store.close();
  });

  it("a failed journal write: ok false, memory untouched, nothing written later", async () => {
    const mem = memFs();
    const faulty = createFaultyFs(mem);
    const { store } = await openCounters(faulty);
    await store.commit("one", () => [add("a")]).settled;
    faulty.addFaults([{ op: "datasync", path: /\.wal\./, fault: { error: "EIO" } }]);
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    const result = await store.commit("lost", () => [add("a", 100)]).settled;
    expect(result).toMatchObject({ ok: false, committed: false, error: { code: "ERR_IO" } });
    expect(store.read()).toEqual({ value: { a: 1 }, seq: 1 });
    expect(store.state.mode).toBe("ok");
    // Later commits and a close do not bring the failed one back.
    expect(await store.commit("two", () => [add("b")]).settled).toMatchObject({ ok: true, seq: 2 });
    await store.close();
    expect(events.map((e) => e.type)).toEqual(["committed"]);
    const again = await openCounters(mem);
    expect(again.store.read()).toEqual({ value: { a: 1, b: 1 }, seq: 2 });
    await again.store.close();
  });

  it("an append whose outcome is unknown turns the store read-only until a reload", async () => {
    const mem = memFs();
    const faulty = createFaultyFs(mem);
    const { store } = await openCounters(faulty);
    await store.commit("one", () => [add("a")]).settled;
    // The fsync fails and so does starting the sealing segment.
    faulty.addFaults([
      { op: "datasync", path: /\.wal\./, fault: { error: "EIO" } },
      { op: "open", path: /\.wal\./, fault: { error: "ENOSPC" } },
    ]);
    const result = await store.commit("unknown", () => [add("a", 5)]).settled;
    expect(result).toMatchObject({ ok: false, committed: "unknown" });
    expect(store.state.mode).toBe("read-only");
    expect(store.read().value).toEqual({ a: 1 });
    const refused = await store.commit("refused", () => [add("b")]).settled;
    expect(refused).toMatchObject({ ok: false, error: { code: "ERR_READ_ONLY" } });
    const report = await store.reload("recover");
    expect(report.seq).toBeGreaterThanOrEqual(1);
    expect(store.state.mode).toBe("ok");
    expect(store.health()).toMatchObject({ reloads: 1, lastReloadReason: "recover" });
    const after = await store.commit("after", () => [add("b")]).settled;
    expect(after.ok).toBe(true);
    await store.close();
  });

  it("subscribe, health and state; listener errors are contained", async () => {
    const { store } = await openCounters(memFs());
    const seen: StoreEvent[] = [];
    store.subscribe(() => {
      throw new Error("listener");
    });
    const off = store.subscribe((e) => seen.push(e));
    await store.commit("a", () => [add("a")]).settled;
    off();
    await store.commit("b", () => [add("b")]).settled;
    expect(seen).toEqual([
      { type: "committed", fromSeq: 1, toSeq: 1, commands: 1, bytes: expect.any(Number) },
    ]);
    expect(store.state).toMatchObject({
      committedSeq: 2,
      durableSeq: 2,
      visibleSeq: 2,
      mode: "ok",
      queued: 0,
    });
    await store.close();
    expect(store.state.mode).toBe("closed");
    const late = await store.commit("late", () => [add("c")]).settled;
    expect(late).toMatchObject({ ok: false, error: { code: "ERR_CLOSED" } });
  });

  it("close: a hung fsync is bounded by timeoutMs; queued commands settle ERR_CLOSED", async () => {
    const faulty = createFaultyFs(memFs());
    const { store } = await openCounters(faulty);
    faulty.addFaults([{ op: "datasync", path: /\.wal\./, fault: { hang: true } }]);
    const first = store.commit("first", () => [add("x")]);
    await deadline(faulty.waitForHang());
    const second = store.commit("second", () => [add("x")]);
    const report = await deadline(store.close({ timeoutMs: 50 }));
    expect(report).toMatchObject({ ok: false, outcome: "timed-out", abandoned: 1 });
    expect(await second.settled).toMatchObject({ ok: false, error: { code: "ERR_CLOSED" } });
    faulty.release();
    expect((await deadline(first.settled)).ok).toBe(true);
  });

  it("await using closes the store", async () => {
    const fs = memFs();
    {
      await using opened = await openCounters(fs).then((o) => o.store);
      await opened.commit("a", () => [add("a")]).settled;
    }
    const again = await openCounters(fs);
    expect(again.store.read().value).toEqual({ a: 1 });
    await again.store.close();
  });

  it("bad options are typed errors at open", async () => {
    const fs = memFs();
    await expect(openCounters(fs, { groupCommit: { maxBytes: 0 } })).rejects.toThrow(RangeError);
    await expect(
      openCounters(fs, { writeBehind: { debounceMs: 10, maxDelayMs: 5 } }),
    ).rejects.toThrow(RangeError);
    await expect(openCounters(fs, { durability: { intervalMs: 0 } })).rejects.toThrow(RangeError);
    await expect(openCounters(fs, { apply: undefined as never })).rejects.toThrow(TypeError);
  });
});

describe("compaction and snapshots", () => {
  it("compact writes a seq-named snapshot, drops covered segments, and a reopen does not double-apply", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs, { maxSegmentBytes: 200 });
    for (let i = 0; i < 10; i++) await store.commit("inc", () => [add("a")]).settled;
    const first = await store.compact("manual");
    expect(first.seq).toBe(10);
    for (let i = 0; i < 3; i++) await store.commit("inc", () => [add("a")]).settled;
    const second = await store.compact("manual");
    expect(second.seq).toBe(13);
    // The oldest kept snapshot (seq 10) covers the segments the first compaction dropped.
    expect(first.removedSegments.length).toBeGreaterThan(0);
    expect(second.removedSegments).toEqual([]);
    await store.commit("inc", () => [add("a")]).settled;
    await store.close();
    const again = await openCounters(fs);
    expect(again.load).toMatchObject({ source: "snapshot", snapshotSeq: 13, replayed: 1, seq: 14 });
    expect(again.store.read()).toEqual({ value: { a: 14 }, seq: 14 });
    await again.store.close();
  });

  it("a corrupt newest snapshot falls back to the previous one and replays from there", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs);
    for (let i = 0; i < 5; i++) await store.commit("inc", () => [add("a")]).settled;
    await store.compact("one");
    for (let i = 0; i < 5; i++) await store.commit("inc", () => [add("a", 2)]).settled;
    await store.compact("two");
    await store.commit("inc", () => [add("a", 100)]).settled;
    await store.close();
    const snaps = (await fs.readdir(DIR)).filter((f) => f.includes(".snap.")).sort();
    expect(snaps).toHaveLength(2);
    const handle = await fs.open(`${DIR}/${snaps[1]}`, "w");
    await handle.write(new TextEncoder().encode("{not json"), 0, 9, 0);
    await handle.close();
    const again = await openCounters(fs);
    expect(again.load).toMatchObject({
      source: "previous-snapshot",
      snapshotSeq: 5,
      replayed: 6,
      seq: 11,
    });
    expect(again.load.quarantined.length).toBe(1);
    expect(again.store.read()).toEqual({ value: { a: 115 }, seq: 11 });
    await again.store.close();
  });

  it("automatic compaction follows compactionDue", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs, { compaction: { maxRecords: 5, minBytes: 1 << 30 } });
    const compacted: StoreEvent[] = [];
    store.subscribe((e) => {
      if (e.type === "compacted") compacted.push(e);
    });
    for (let i = 0; i < 6; i++) await store.commit("inc", () => [add("a")]).settled;
    await deadline(
      (async () => {
        while (compacted.length === 0) await new Promise((r) => setTimeout(r, 5));
      })(),
    );
    expect(compacted[0]).toMatchObject({ reason: "auto:records", seq: 5 });
    expect(store.state.snapshotSeq).toBe(5);
    await store.close();
  });
});

describe("reload and commitExternal", () => {
  it("commitExternal: persist first, then the patch; a failed persist changes nothing", async () => {
    const { store } = await openCounters(memFs());
    const external: string[] = [];
    const ok = await store.commitExternal("asset", {
      persist: async () => {
        external.push("asset-1");
      },
      ops: [add("assets")],
    }).settled;
    expect(ok).toMatchObject({ ok: true, seq: 1, patched: true });
    const bad = await store.commitExternal("asset", {
      persist: async () => {
        throw Object.assign(new Error("disk full"), { code: "ENOSPC" });
      },
      ops: [add("assets")],
    }).settled;
    expect(bad).toMatchObject({ ok: false, committed: false, error: { code: "ERR_NO_SPACE" } });
    expect(store.read()).toEqual({ value: { assets: 1 }, seq: 1 });
    await store.close();
  });

  it("a patch that cannot apply after the caller's commit: the commit stands, one counted reload swaps in", async () => {
    const fs = memFs();
    let externalCount = 1;
    const { store } = await openCounters(fs, {
      loadExternal: async () => Object.freeze({ assets: externalCount }),
    });
    await store.commit("seed", () => [add("assets", 0)]).settled;
    await store.commit("seed", () => [add("kept")]).settled;
    await store.compact("earlier");
    const filesBefore = await fs.readdir(DIR);
    const readerRoot = store.read();
    const result = await store.commitExternal("remove", {
      persist: async () => {
        externalCount = 0;
      },
      ops: [add("assets", -1)], // does not apply to the read model (0 - 1 < 0)
    }).settled;
    expect(result).toMatchObject({
      ok: true,
      patched: false,
      reloaded: true,
      error: { code: "ERR_CONFLICT" },
    });
    expect(readerRoot.value).toEqual({ assets: 0, kept: 1 }); // the old root was never changed
    // The loaded state has a seq of its own (a record without ops) and a snapshot at it.
    expect(store.read()).toEqual({ value: { assets: 0 }, seq: 3 });
    expect(store.health()).toMatchObject({ reloads: 1, lastReloadReason: "patch-failed: remove" });
    // The reload deleted and rewrote nothing; it only added that snapshot.
    const filesAfter = await fs.readdir(DIR);
    expect(filesAfter.filter((f) => !filesBefore.includes(f))).toEqual([
      "store.snap.0000000000000003",
    ]);
    expect(filesBefore.every((f) => filesAfter.includes(f))).toBe(true);
    await store.close();
    const again = await openCounters(fs);
    expect(again.load).toMatchObject({ source: "snapshot", snapshotSeq: 3, replayed: 0 });
    expect(again.store.read()).toEqual({ value: { assets: 0 }, seq: 3 });
    await again.store.close();
  });

  it("readers keep the old root while the fallback reload runs; the new root swaps in whole", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { store } = await openCounters(memFs(), {
      loadExternal: async () => {
        await gate;
        return Object.freeze({ assets: 7, other: 1 });
      },
    });
    await store.commit("seed", () => [add("assets", 2)]).settled;
    const before = store.read();
    const ticket = store.commitExternal("remove", {
      persist: async () => undefined,
      ops: [add("assets", -5)],
    });
    const queued = store.commit("behind the reload", () => [add("later")]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.read()).toBe(before);
    release();
    expect(await deadline(ticket.settled)).toMatchObject({
      ok: true,
      patched: false,
      reloaded: true,
    });
    expect(await deadline(queued.settled)).toMatchObject({ ok: true, seq: 3 });
    expect(store.read()).toEqual({ value: { assets: 7, other: 1, later: 1 }, seq: 3 });
    expect(store.health().reloads).toBe(1);
    await store.close();
  });

  it("without loadExternal the fallback reload re-reads snapshot and journal", async () => {
    const { store } = await openCounters(memFs());
    await store.commit("seed", () => [add("assets", 1)]).settled;
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    const result = await store.commitExternal("remove", {
      persist: async () => undefined,
      ops: [add("assets", -2)],
    }).settled;
    expect(result).toMatchObject({ ok: true, patched: false, reloaded: true, seq: 1 });
    expect(events.map((e) => e.type)).toEqual(["patch-failed", "reloaded"]);
    expect(store.read()).toEqual({ value: { assets: 1 }, seq: 1 });
    expect(store.health()).toMatchObject({ reloads: 1, lastError: { code: "ERR_CONFLICT" } });
    await store.close();
  });

  it("reload re-reads snapshot and journal without changing files", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs);
    await store.commit("a", () => [add("a")]).settled;
    await store.compact("c");
    await store.commit("a", () => [add("a")]).settled;
    const before = new Map<string, string>();
    for (const f of await fs.readdir(DIR)) {
      before.set(f, Buffer.from(await fs.readFile(`${DIR}/${f}`)).toString("hex"));
    }
    const report = await store.reload("manual");
    expect(report).toMatchObject({ source: "snapshot", snapshotSeq: 1, replayed: 1, seq: 2 });
    expect(store.read()).toEqual({ value: { a: 2 }, seq: 2 });
    const after = new Map<string, string>();
    for (const f of await fs.readdir(DIR)) {
      after.set(f, Buffer.from(await fs.readFile(`${DIR}/${f}`)).toString("hex"));
    }
    expect(after).toEqual(before);
    await store.close();
  });
});

describe("write-behind (mutate)", () => {
  it("visible at once, durable with the flush; a commit pulls unsaved mutations into its group", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs, {
      writeBehind: { debounceMs: 60_000, maxDelayMs: 60_000 },
    });
    const m1 = store.mutate("m1", () => [add("m")]);
    const m2 = store.mutate("m2", (s) => [add("m", s.m ?? 0)]);
    expect(store.read()).toEqual({ value: { m: 2 }, seq: 2 });
    expect(store.state).toMatchObject({ committedSeq: 0, visibleSeq: 2, unsaved: 2 });
    const c = await store.commit("c", (s) => [add("c", s.m ?? 0)]).settled;
    expect(c).toMatchObject({ ok: true, seq: 3 });
    expect(await m1.settled).toMatchObject({ ok: true, seq: 1, durable: true });
    expect(await m2.settled).toMatchObject({ ok: true, seq: 2 });
    await store.close();
    const again = await openCounters(fs);
    expect(again.store.read()).toEqual({ value: { m: 2, c: 2 }, seq: 3 });
    await again.store.close();
  });

  it("the debounce timer flushes; a failed flush keeps the change visible and retries it, never a failed commit", async () => {
    const mem = memFs();
    const faulty = createFaultyFs(mem);
    const { store } = await openCounters(faulty, {
      writeBehind: { debounceMs: 5, maxDelayMs: 50 },
    });
    await store.commit("base", () => [add("a")]).settled;
    faulty.addFaults([{ op: "datasync", path: /\.wal\./, fault: { error: "EIO" } }]);
    const m = store.mutate("m", () => [add("m")]);
    const settled: CommitResult = await deadline(m.settled);
    expect(settled).toMatchObject({ ok: true, seq: 2 });
    expect(store.health().writeBehindFailures).toBe(1);
    await store.close();
    const again = await openCounters(mem);
    expect(again.store.read().value).toEqual({ a: 1, m: 1 });
    await again.store.close();
  });
  it("a flush that journals exactly what was shown keeps the shown state (mutations during its write included) instead of rebuilding it", async () => {
    const faulty = createFaultyFs(memFs());
    const { store } = await openCounters(faulty, {
      writeBehind: { debounceMs: 1, maxDelayMs: 1 },
    });
    faulty.addFaults([{ op: "datasync", path: /\.wal\./, fault: { hang: true } }]);
    const m1 = store.mutate("m1", () => [add("m")]);
    await deadline(
      (async () => {
        while (faulty.hanging.length === 0) await new Promise((r) => setTimeout(r, 1));
      })(),
    );
    const m2 = store.mutate("m2", (s) => [add("m", s.m ?? 0)]);
    const shown = store.read();
    expect(shown).toEqual({ value: { m: 2 }, seq: 2 });
    faulty.release();
    expect(await deadline(m1.settled)).toMatchObject({ ok: true, seq: 1 });
    // The same object: built once by the mutations, not again from the committed state.
    expect(store.read().value).toBe(shown.value);
    expect(store.read().seq).toBe(2);
    expect(await deadline(m2.settled)).toMatchObject({ ok: true, seq: 2 });
    expect(store.read().value).toBe(shown.value);
    await store.close();
  });
});

describe("durability modes and shutdown of unsaved work", () => {
  it("interval durability: commits resolve after the write, durableSeq catches up by the timer or close", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs, { durability: { intervalMs: 60_000 } });
    const result = await store.commit("a", () => [add("a")]).settled;
    expect(result).toMatchObject({ ok: true, seq: 1, durable: false });
    expect(store.read().seq).toBe(1);
    expect(store.state).toMatchObject({ committedSeq: 1, durableSeq: 0 });
    const report = await store.close();
    expect(report).toMatchObject({ ok: true, committedSeq: 1, durableSeq: 1 });
  });

  it("close flushes unsaved mutations; a reopen has them", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs, {
      writeBehind: { debounceMs: 60_000, maxDelayMs: 60_000 },
    });
    const m = store.mutate("m", () => [add("m", 3)]);
    expect(store.state.unsaved).toBe(1);
    const report = await store.close();
    expect(report).toMatchObject({ ok: true, unsaved: 0, committedSeq: 1 });
    expect(await m.settled).toMatchObject({ ok: true, seq: 1 });
    const again = await openCounters(fs);
    expect(again.store.read().value).toEqual({ m: 3 });
    await again.store.close();
  });

  it("commitExternal whose journal append fails after persist: ok false with details.persisted", async () => {
    const faulty = createFaultyFs(memFs());
    const { store } = await openCounters(faulty);
    faulty.addFaults([{ op: "datasync", path: /\.wal\./, fault: { error: "EIO" } }]);
    const result = await store.commitExternal("asset", {
      persist: async () => undefined,
      ops: (s) => [add("assets", (s.assets ?? 0) + 1)],
    }).settled;
    expect(result).toMatchObject({
      ok: false,
      committed: false,
      error: { code: "ERR_IO", details: { persisted: true } },
    });
    expect(store.read()).toEqual({ value: {}, seq: 0 });
    await store.close();
  });
});

describe("warm load at scale and on the real file system", () => {
  it("a 100k-op replay yields to the event loop while it runs", async () => {
    const fs = memFs();
    const { openJournal } = await import("@snapwrite/journal");
    const journal = await openJournal({ dir: DIR, name: "store", fs });
    const payload = addOpsCodec.encode([add("a")]);
    for (let batch = 0; batch < 50; batch++) {
      await Promise.all(Array.from({ length: 2_000 }, () => journal.append(payload)));
    }
    await journal.close();

    // A macrotask counter: every apply records the turn of the event loop it ran in.
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const turns = new Set<number>();
    try {
      const { store, load } = await openCounters(fs, {
        replaySliceMs: 2,
        apply: (state, ops) => {
          turns.add(turn);
          return applyAdds(state, ops);
        },
      });
      expect(load).toMatchObject({ source: "journal", replayed: 100_000, seq: 100_000 });
      expect(store.read().value).toEqual({ a: 100_000 });
      expect(load.timings.totalMs).toBeGreaterThanOrEqual(load.timings.replayMs);
      await store.close();
    } finally {
      ticking = false;
    }
    // Without slicing, one segment's records would all apply within a single turn.
    expect(turns.size).toBeGreaterThan(2);
  }, 20_000);

  it("works on node:fs in a temp dir (snapshots through sink-fs, journal fsyncs timed)", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "snapwrite-store-"));
    try {
      const base = {
        dir,
        codec: countersCodec,
        ops: addOpsCodec,
        apply: applyAdds,
        empty: () => ({}),
      };
      const { store } = await openDurableStore<Counters, AddOp>(base);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.commit("inc", () => [add("a")]).settled),
      );
      expect(results.every((r) => r.ok)).toBe(true);
      // On node:fs each group is one O_DSYNC write: durable, its time reported as the sync's.
      for (const r of results) {
        expect(r).toMatchObject({ ok: true, durable: true });
        if (r.ok) expect(r.timings.syncMs).toBeGreaterThan(0);
      }
      expect(store.state.durableSeq).toBe(5);
      await store.compact("manual");
      await store.commit("inc", () => [add("a")]).settled;
      expect((await store.close()).ok).toBe(true);
      const again = await openDurableStore<Counters, AddOp>(base);
      expect(again.load).toMatchObject({ source: "snapshot", snapshotSeq: 5, replayed: 1 });
      expect(again.store.read()).toEqual({ value: { a: 6 }, seq: 6 });
      await again.store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
