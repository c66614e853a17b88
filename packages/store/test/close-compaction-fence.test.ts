import type { FsPort } from "@snapwrite/core";
import type { JournalLock } from "@snapwrite/journal";
import {
  createFaultyFs,
  createManualClock,
  createMemoryFs,
  type FaultyFs,
} from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { IN_FLIGHT_WAIT_MS } from "../src/durable-store/mutation-fence.js";
import { add, DIR, openCounters } from "./counters.js";
import { deadline } from "./wait-and-dirs.js";

/** Lets the store's promise chains run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function settleUntil(done: () => boolean, turns = 2000): Promise<void> {
  for (let turn = 0; turn < turns && !done(); turn++) await settle();
}

/** A lock that records when it is released, and which fs calls had returned by then. */
function watchedLock(faulty: FaultyFs) {
  const state = { released: false, callsDoneAtRelease: [] as number[] };
  const lock: JournalLock = {
    acquire: async () => ({
      release: async () => {
        state.released = true;
        state.callsDoneAtRelease = faulty.calls
          .filter((c) => c.outcome !== undefined)
          .map((c) => c.seq);
      },
    }),
  };
  return { lock, state };
}

/**
 * A store on a faulty memory disk with several small segments and three snapshots behind it (so
 * that the next compaction has snapshots to prune and segments to remove).
 */
async function storeWithHistory(fs: FsPort, extra: Record<string, unknown> = {}) {
  const faulty = createFaultyFs(fs);
  const { lock, state } = watchedLock(faulty);
  const { store } = await openCounters(faulty, {
    lock,
    maxSegmentBytes: 200,
    compaction: false,
    ...extra,
  });
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 8; i++) await store.commit("c", () => [add(`k${i}`)]).settled;
    await store.compact("history");
  }
  for (let i = 0; i < 8; i++) await store.commit("c", () => [add(`k${i}`)]).settled;
  return { faulty, store, lockState: state };
}

const changes = (calls: FaultyFs["calls"]) =>
  calls.filter((c) => c.op === "rename" || c.op === "unlink").map((c) => `${c.op} ${c.path}`);

describe("a close that times out while a compaction runs", () => {
  it("lets the compaction change no file after it, and releases the lock only once the rename in flight returned", async () => {
    const { faulty, store, lockState } = await storeWithHistory(createMemoryFs({ [DIR]: null }));
    faulty.addFaults([{ op: "rename", path: /\.snap\./, fault: { hang: true } }]);
    const compaction = store.compact("held").then(
      () => "resolved",
      (error: { code?: string }) => error.code,
    );
    const held = await deadline(faulty.waitForHang());
    const report = await deadline(store.close({ timeoutMs: 0 }));
    expect(report.outcome).toBe("timed-out");
    const atClose = faulty.calls.length;
    // The rename is still in flight: the lock stays ours, however long the rest may run.
    await settleUntil(() => lockState.released, 200);
    expect(lockState.released).toBe(false);
    faulty.release();
    await settleUntil(() => lockState.released);
    expect(lockState.released).toBe(true);
    expect(lockState.callsDoneAtRelease).toContain(held.seq);
    expect(await deadline(compaction)).toBe("ERR_CLOSED");
    // Neither the pruning of snapshots nor the removal of segments reached the disk.
    expect(changes(faulty.calls.slice(atClose))).toEqual([]);
    expect(report.released).toBe(false);
  });

  it("stops a snapshot still being written before its rename, without waiting for it", async () => {
    const { faulty, store, lockState } = await storeWithHistory(createMemoryFs({ [DIR]: null }));
    const before = await faulty.readdir(DIR);
    faulty.addFaults([{ op: "sync", path: /\.snap\./, fault: { hang: true } }]);
    const compaction = store.compact("held").then(
      () => "resolved",
      (error: { code?: string }) => error.code,
    );
    await deadline(faulty.waitForHang());
    const report = await deadline(store.close({ timeoutMs: 0 }));
    expect(report.outcome).toBe("timed-out");
    const atClose = faulty.calls.length;
    // A handle's fsync changes no name: the lock goes without waiting for it.
    await settleUntil(() => lockState.released);
    expect(lockState.released).toBe(true);
    faulty.release();
    expect(await deadline(compaction)).toBe("ERR_ABORTED");
    await settleUntil(() => false, 50);
    // Only the snapshot's own temp file (a name no one else knows) is removed again.
    expect(changes(faulty.calls.slice(atClose)).every((c) => /^unlink .*\.tmp$/.test(c))).toBe(
      true,
    );
    expect(await faulty.readdir(DIR)).toEqual(before);
    expect(report.released).toBe(false);
  });

  it("releases the lock after IN_FLIGHT_WAIT_MS when a rename in flight never returns", async () => {
    const clock = createManualClock();
    const { faulty, store, lockState } = await storeWithHistory(createMemoryFs({ [DIR]: null }), {
      clock,
    });
    faulty.addFaults([{ op: "rename", path: /\.snap\./, fault: { hang: true } }]);
    void store.compact("held").catch(() => undefined);
    await deadline(faulty.waitForHang());
    const closing = store.close({ timeoutMs: 0 });
    await settle();
    clock.advance(0);
    expect(await deadline(closing)).toMatchObject({ outcome: "timed-out" });
    await settleUntil(() => false, 50);
    clock.advance(IN_FLIGHT_WAIT_MS - 1);
    await settleUntil(() => lockState.released, 50);
    expect(lockState.released).toBe(false);
    clock.advance(1);
    await settleUntil(() => lockState.released);
    expect(lockState.released).toBe(true);
    faulty.release();
  });
});
