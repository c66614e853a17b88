import { type CrashableFs, createCrashableFs, createFaultyFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import type { DurableStore } from "../src/index.js";
import { type AddOp, add, type Counters, DIR, openCounters } from "./counters.js";

interface Outcomes {
  /** Acknowledged commit ids in seq order, with the trace length when each was acknowledged. */
  readonly acked: { id: number; at: number }[];
  /** Ids whose commit failed, with the trace length when the failure was reported. */
  readonly failed: Map<number, number>;
}

/** Commit `id` adds 1 to `k<id>` and to the running total `n`: a double apply shows as a 2. */
function commitAll(
  store: DurableStore<Counters, AddOp>,
  crash: CrashableFs,
  ids: number[],
  out: Outcomes,
) {
  return Promise.all(
    ids.map((id) =>
      store
        .commit(`c${id}`, () => [add(`k${id}`), add("n")])
        .settled.then((r) => {
          if (r.ok) out.acked.push({ id, at: crash.trace.length });
          else out.failed.set(id, crash.trace.length);
        }),
    ),
  );
}

function idsIn(value: Counters): number[] {
  return Object.keys(value)
    .filter((k) => k.startsWith("k"))
    .map((k) => Number(k.slice(1)));
}

/**
 * Every crash state: the reopened store holds exactly a prefix of the acknowledged commits (each
 * applied once) that includes every commit acknowledged before the crash point; a failed commit
 * is never in it once its failure was reported. Then the store takes a new commit.
 */
async function checkEveryState(crash: CrashableFs, out: Outcomes, minStates: number) {
  const states = crash.crashStates();
  expect(states.length).toBeGreaterThanOrEqual(minStates);
  const order = out.acked.map((a) => a.id);
  for (const state of states) {
    const fs = state.fs();
    const opened = await openCounters(fs).catch((error: unknown) => {
      throw new Error(`open: ${state.description}: ${String(error)}`);
    });
    const { value, seq } = opened.store.read();
    const context = `${state.description}\nrecovered: ${JSON.stringify(value)} at seq ${seq}`;
    const ids = idsIn(value);
    for (const id of ids) expect(value[`k${id}`], context).toBe(1);
    expect(value.n ?? 0, context).toBe(ids.length);
    const inFlight = (id: number) =>
      (out.failed.get(id) ?? Number.POSITIVE_INFINITY) > state.afterOp;
    for (const id of ids) {
      if (out.failed.has(id)) expect(inFlight(id), context).toBe(true);
    }
    const kept = ids.filter((id) => !out.failed.has(id));
    expect(new Set(kept), context).toEqual(new Set(order.slice(0, kept.length)));
    const mustHave = out.acked.filter((a) => a.at <= state.afterOp).length;
    expect(kept.length, context).toBeGreaterThanOrEqual(mustHave);
    const after = await opened.store.commit("after", () => [add("after")]).settled;
    expect(after.ok, context).toBe(true);
    const report = await opened.store.close();
    expect(report.ok, context).toBe(true);
  }
}

describe("durable store crash states", () => {
  it("commits, group commits and segment rolls: every crash state reopens to an acknowledged prefix", async () => {
    const crash = createCrashableFs({ files: { [DIR]: null }, maxStates: 600 });
    const { store } = await openCounters(crash, { maxSegmentBytes: 160, compaction: false });
    const out: Outcomes = { acked: [], failed: new Map() };
    await commitAll(store, crash, [1], out);
    await commitAll(store, crash, [2, 3, 4], out);
    await commitAll(store, crash, [5], out);
    await commitAll(store, crash, [6, 7], out);
    await store.close();
    expect(out.failed.size).toBe(0);
    expect(
      crash.trace.filter((t) => t.op === "create" && t.path.includes(".wal.")).length,
    ).toBeGreaterThan(1);
    await checkEveryState(crash, out, 30);
  });

  it("a compaction between commits: no crash state loses or double-applies a commit", async () => {
    const crash = createCrashableFs({ files: { [DIR]: null }, maxStates: 600 });
    const { store } = await openCounters(crash, { maxSegmentBytes: 160, compaction: false });
    const out: Outcomes = { acked: [], failed: new Map() };
    await commitAll(store, crash, [1, 2], out);
    await commitAll(store, crash, [3], out);
    await store.compact("first");
    await commitAll(store, crash, [4, 5], out);
    await store.compact("second");
    await commitAll(store, crash, [6], out);
    await store.compact("third");
    await store.close();
    expect(crash.trace.some((t) => t.op === "unlink" && t.path.includes(".wal."))).toBe(true);
    expect(crash.trace.some((t) => t.op === "unlink" && t.path.includes(".snap."))).toBe(true);
    await checkEveryState(crash, out, 30);
  });

  it("commits issued while a compaction runs: every crash state still reopens to an acknowledged prefix", async () => {
    const crash = createCrashableFs({ files: { [DIR]: null }, maxStates: 600 });
    const { store } = await openCounters(crash, { maxSegmentBytes: 160, compaction: false });
    const out: Outcomes = { acked: [], failed: new Map() };
    await commitAll(store, crash, [1, 2, 3], out);
    const first = store.compact("during");
    await commitAll(store, crash, [4, 5], out);
    await commitAll(store, crash, [6], out);
    expect((await first).seq).toBeGreaterThanOrEqual(3);
    const second = store.compact("again");
    await commitAll(store, crash, [7], out);
    await second;
    await store.close();
    await checkEveryState(crash, out, 30);
  });

  it("a failed fsync: the failed commits never reappear in any crash state", async () => {
    const crash = createCrashableFs({ files: { [DIR]: null }, maxStates: 600 });
    const faulty = createFaultyFs(crash);
    const { store } = await openCounters(faulty, { compaction: false });
    const out: Outcomes = { acked: [], failed: new Map() };
    await commitAll(store, crash, [1, 2], out);
    faulty.addFaults([{ op: "datasync", path: /\.wal\./, fault: { error: "EIO" } }]);
    await commitAll(store, crash, [3, 4], out);
    await commitAll(store, crash, [5], out);
    faulty.addFaults([{ op: "writev", fault: { torn: 7, error: "ENOSPC" } }]);
    await commitAll(store, crash, [6], out);
    await commitAll(store, crash, [7], out);
    await store.close();
    expect([...out.failed.keys()].sort()).toEqual([3, 4, 6]);
    await checkEveryState(crash, out, 30);
  });
});
