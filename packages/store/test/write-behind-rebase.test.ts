import { createFaultyFs, createMemoryFs, type FaultyFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import type { CommitResult } from "../src/index.js";
import { add, type Counters, DIR, openCounters } from "./counters.js";
import { deadline } from "./wait-and-dirs.js";

const memFs = () => createMemoryFs({ [DIR]: null });

/** A command whose op depends on the state: doubles `key` (a read-modify-write). */
const double = (key: string) => (s: Counters) => [add(key, s[key] ?? 0)];

/** Resolves once a call is held by a hang fault (a group's `writev`: the group is being written). */
async function groupInFlight(faulty: FaultyFs): Promise<void> {
  await deadline(
    (async () => {
      while (faulty.hanging.length === 0) await new Promise((r) => setTimeout(r, 1));
    })(),
  );
}

/** A store on a faulty fs (the tests add hang faults) whose write-behind timer is far off. */
async function openHung(fs = memFs()) {
  const faulty = createFaultyFs(fs);
  const { store } = await openCounters(faulty, {
    writeBehind: { debounceMs: 60_000, maxDelayMs: 60_000 },
  });
  return { faulty, store };
}

async function reopened(fs: ReturnType<typeof memFs>): Promise<{ value: Counters; seq: number }> {
  const { store } = await openCounters(fs);
  const root = store.read();
  await store.close();
  return root;
}

describe("mutate while a commit's group is being written", () => {
  it("runs its command again on the committed state: no update of the commit is lost, in memory or after reopen", async () => {
    const fs = memFs();
    const { faulty, store } = await openHung(fs);
    await store.commit("base", () => [add("c", 1)]).settled;
    faulty.addFaults([{ op: "writev", path: /\.wal\./, fault: { hang: true } }]);
    const commit = store.commit("inc", () => [add("c", 1)]);
    await groupInFlight(faulty);
    const ticket = store.mutate("double", double("c"));
    // The commit (seq 2) is not visible yet; the mutation follows it in the journal.
    expect(store.read().value).toEqual({ c: 2 });
    expect(ticket.seq).toBe(3);
    faulty.release();
    expect(await deadline(commit.settled)).toMatchObject({ ok: true, seq: 2 });
    // c = (1 + 1) * 2, not the stale 1 * 2.
    expect(store.read()).toEqual({ value: { c: 4 }, seq: 3 });
    await store.close();
    expect(await ticket.settled).toMatchObject({ ok: true, seq: 3 });
    expect(await reopened(fs)).toEqual({ value: { c: 4 }, seq: 3 });
  });

  it("a command that no longer applies on the committed state settles its mutation ERR_COMMAND and leaves it out", async () => {
    const fs = memFs();
    const { faulty, store } = await openHung(fs);
    await store.commit("base", () => [add("stock", 1)]).settled;
    faulty.addFaults([{ op: "writev", path: /\.wal\./, fault: { hang: true } }]);
    const sell = (who: string) => (s: Counters) => [add("stock", -1), add(who, (s.stock ?? 0) * 0)];
    const commit = store.commit("sell", sell("a"));
    await groupInFlight(faulty);
    const ticket = store.mutate("sell too", sell("b"));
    expect(store.read().value).toEqual({ stock: 0, b: 0 });
    faulty.release();
    expect(await deadline(commit.settled)).toMatchObject({ ok: true, seq: 2 });
    expect(await deadline(ticket.settled)).toMatchObject({
      ok: false,
      committed: false,
      error: { code: "ERR_COMMAND" },
    });
    expect(store.read()).toEqual({ value: { stock: 0, a: 0 }, seq: 2 });
    expect(store.state).toMatchObject({ unsaved: 0, visibleSeq: 2 });
    await store.close();
    expect(await reopened(fs)).toEqual({ value: { stock: 0, a: 0 }, seq: 2 });
  });

  it("a command with no ops on the committed state settles as a change with no ops", async () => {
    const { faulty, store } = await openHung();
    faulty.addFaults([{ op: "writev", path: /\.wal\./, fault: { hang: true } }]);
    const commit = store.commit("set", () => [add("done", 1)]);
    await groupInFlight(faulty);
    const ticket = store.mutate("once", (s) => (s.done ? [] : [add("work", 1)]));
    expect(store.read().value).toEqual({ work: 1 });
    faulty.release();
    expect(await deadline(commit.settled)).toMatchObject({ ok: true, seq: 1 });
    expect(await deadline(ticket.settled)).toMatchObject({ ok: true, seq: 1 });
    expect(store.read()).toEqual({ value: { done: 1 }, seq: 1 });
    await store.close();
  });

  it("interleaved mutations and commits: every command sees the ones journaled before it (one key per command)", async () => {
    const fs = memFs();
    const faulty = createFaultyFs(fs);
    // Each group's write takes 2 ms, so mutations land while groups are being written.
    faulty.addFaults([
      { op: "writev", path: /\.wal\./, times: 1_000_000, fault: { latencyMs: 2 } },
    ]);
    const { store } = await openCounters(faulty, {
      writeBehind: { debounceMs: 1, maxDelayMs: 3 },
    });
    // Each command adds the key named by the count so far, so two commands seeing the same count
    // (a lost update) leave fewer keys than the total.
    const next = (s: Counters) => [add("total"), add(`k${s.total ?? 0}`)];
    const results: Promise<CommitResult>[] = [];
    for (let i = 0; i < 120; i++) {
      results.push(store.mutate("m", next).settled);
      if (i % 3 === 0) results.push(store.commit("c", next).settled);
      if (i % 7 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    const settled = await deadline(Promise.all(results), 10_000);
    expect(settled.every((r) => r.ok)).toBe(true);
    const check = (root: { value: Counters; seq: number }) => {
      const keys = Object.keys(root.value).filter((k) => k !== "total");
      expect(root.value.total).toBe(160);
      expect(keys).toHaveLength(160);
      expect(root.seq).toBe(160);
    };
    check(store.read());
    // Every batch was journaled at the seq its result names, in the order its command ran.
    expect(new Set(settled.map((r) => (r.ok ? r.seq : 0))).size).toBe(160);
    await store.close();
    check(await reopened(fs));
  });
});

describe("mutate during a reload and during a compaction", () => {
  it("a mutation made while a compaction writes its snapshot is journaled after the snapshot's seq and kept", async () => {
    const fs = memFs();
    const { faulty, store } = await openHung(fs);
    await store.commit("base", () => [add("c", 3)]).settled;
    faulty.addFaults([{ op: ["datasync", "sync"], path: /snap/, fault: { hang: true } }]);
    const compacting = store.compact("test");
    await groupInFlight(faulty);
    const ticket = store.mutate("double", double("c"));
    expect(ticket.seq).toBe(2);
    faulty.release();
    expect(await deadline(compacting)).toMatchObject({ seq: 1 });
    await store.close();
    expect(await ticket.settled).toMatchObject({ ok: true, seq: 2 });
    expect(await reopened(fs)).toEqual({ value: { c: 6 }, seq: 2 });
  });

  it("a reload replaces the changes unsaved when it starts; one made while it loads runs on the loaded state", async () => {
    const fs = memFs();
    const { faulty, store } = await openHung(fs);
    await store.commit("base", () => [add("c", 5)]).settled;
    const before = store.mutate("before", () => [add("lost", 1)]);
    faulty.addFaults([{ op: "readdir", fault: { hang: true } }]);
    const reloading = store.reload("test");
    await groupInFlight(faulty);
    const during = store.mutate("during", double("c"));
    faulty.release();
    expect(await deadline(reloading)).toMatchObject({ seq: 1 });
    expect(await before.settled).toMatchObject({ ok: false, error: { code: "ERR_ABORTED" } });
    expect(store.read()).toEqual({ value: { c: 10 }, seq: 2 });
    await store.close();
    expect(await during.settled).toMatchObject({ ok: true, seq: 2 });
    expect(await reopened(fs)).toEqual({ value: { c: 10 }, seq: 2 });
  });
});
