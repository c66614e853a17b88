import { createControlledLock, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { add, openCounters } from "./counters.js";

const LOST_AND_READ_ONLY = { code: "ERR_LOCKED", details: { reason: "lost", readOnly: true } };

describe("a store whose lock was lost (in process)", () => {
  it("the heartbeat's lost signal turns it read-only: commits, compactions and reloads are refused with ERR_LOCKED", async () => {
    const fs = createMemoryFs({ "/data": null });
    const control = createControlledLock();
    const { store } = await openCounters(fs, { lock: control.lock, compaction: false });
    expect((await store.commit("a", () => [add("n")]).settled).ok).toBe(true);
    control.loseNow();
    expect(store.state.mode).toBe("read-only");
    const refused = await store.commit("b", () => [add("n")]).settled;
    expect(refused).toMatchObject({ ok: false, committed: false, error: LOST_AND_READ_ONLY });
    await expect(store.compact("test")).rejects.toMatchObject(LOST_AND_READ_ONLY);
    await expect(store.reload("test")).rejects.toMatchObject(LOST_AND_READ_ONLY);
    expect((await store.close()).ok).toBe(true);
    const reopened = await openCounters(fs, { compaction: false });
    expect(reopened.store.read()).toEqual({ value: { n: 1 }, seq: 1 });
    await reopened.store.close();
  });

  it("a loss found after a compaction started stops it before it rolls, writes or prunes anything", async () => {
    const fs = createMemoryFs({ "/data": null });
    const control = createControlledLock();
    const { store } = await openCounters(fs, { lock: control.lock, compaction: false });
    for (const key of ["a", "b", "c"]) {
      expect((await store.commit(key, () => [add(key)]).settled).ok).toBe(true);
    }
    const before = (await fs.readdir("/data")).sort();
    // The compaction's first check passes; the one before its roll finds the lock lost.
    control.loseDuringNextWrite();
    await expect(store.compact("test")).rejects.toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "lost" },
    });
    expect(store.state.mode).toBe("read-only");
    expect((await fs.readdir("/data")).sort()).toEqual(before);
    expect((await store.close()).ok).toBe(true);
    const reopened = await openCounters(fs, { compaction: false });
    expect(reopened.store.read()).toEqual({ value: { a: 1, b: 1, c: 1 }, seq: 3 });
    await reopened.store.close();
  });

  it("a loss found right before a group fails it unwritten (committed false)", async () => {
    const fs = createMemoryFs({ "/data": null });
    const control = createControlledLock();
    const { store } = await openCounters(fs, { lock: control.lock, compaction: false });
    expect((await store.commit("a", () => [add("n")]).settled).ok).toBe(true);
    control.loseAtNextCheck();
    const refused = await store.commit("b", () => [add("n")]).settled;
    expect(refused).toMatchObject({
      ok: false,
      committed: false,
      error: { code: "ERR_LOCKED", details: { reason: "lost", committed: false } },
    });
    expect(store.state.mode).toBe("read-only");
    await store.close();
    const reopened = await openCounters(fs, { compaction: false });
    expect(reopened.store.read()).toEqual({ value: { n: 1 }, seq: 1 });
    await reopened.store.close();
  });

  it("a loss found right after a group's append fails it as committed unknown, never ok", async () => {
    const fs = createMemoryFs({ "/data": null });
    const control = createControlledLock();
    const { store } = await openCounters(fs, { lock: control.lock, compaction: false });
    expect((await store.commit("a", () => [add("n")]).settled).ok).toBe(true);
    control.loseDuringNextWrite();
    const late = await store.commit("b", () => [add("n")]).settled;
    expect(late).toMatchObject({
      ok: false,
      committed: "unknown",
      error: { code: "ERR_LOCKED", details: { reason: "lost", committed: "unknown" } },
    });
    expect(store.state.mode).toBe("read-only");
    expect(store.read()).toEqual({ value: { n: 1 }, seq: 1 });
    const refused = await store.commit("c", () => [add("n")]).settled;
    expect(refused).toMatchObject({ ok: false, committed: false, error: LOST_AND_READ_ONLY });
    await store.close();
  });
});
