import type { Clock } from "@snapwrite/core";
import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import { createExclusiveFileLock } from "@snapwrite/journal";
import { createFaultyFs, createManualClock, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openDurableStore, type StoreCloseReport, type StoreEvent } from "../src/index.js";
import { add, counterFiles, DIR, openCounters } from "./counters.js";
import { deadline, tempDirs } from "./wait-and-dirs.js";

const memFs = () => createMemoryFs({ [DIR]: null });

/** A manual clock that also records every delay it was asked to wait. */
function recordingClock() {
  const manual = createManualClock();
  const delays: number[] = [];
  const clock: Clock = {
    now: () => manual.now(),
    setTimeout(fn, ms) {
      delays.push(ms);
      return manual.setTimeout(fn, ms);
    },
    clearTimeout: (handle) => manual.clearTimeout(handle),
  };
  return { manual, clock, delays };
}

/** Lets the store's promise chains run (no timer involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A store whose next journal sync hangs, with one commit waiting in it and one queued behind. */
async function storeWithHungSync(clock?: Clock) {
  const faulty = createFaultyFs(memFs());
  const { store } = await openCounters(faulty, clock === undefined ? {} : { clock });
  faulty.addFaults([{ op: "datasync", path: /\.wal\./, fault: { hang: true } }]);
  const first = store.commit("first", () => [add("x")]);
  await deadline(faulty.waitForHang());
  const second = store.commit("second", () => [add("x")]);
  return { faulty, store, first, second };
}

describe("close: timeoutMs", () => {
  it("waits a deadline longer than a Node timer takes in steps, never abandoning early", async () => {
    const { manual, clock, delays } = recordingClock();
    const { faulty, store, second } = await storeWithHungSync(clock);
    let closed = false;
    const closing = store.close({ timeoutMs: 2 * MAX_TIMER_MS + 10 }).then((report) => {
      closed = true;
      return report;
    });
    await settle();
    // A delay above 2^31 − 1 given to a Node timer fires after 1 ms.
    expect(delays.every((ms) => ms <= MAX_TIMER_MS)).toBe(true);
    manual.advance(2 * MAX_TIMER_MS);
    await settle();
    expect(closed).toBe(false);
    manual.advance(10);
    const report = await deadline(closing);
    // The first commit's group is still being written: it keeps its own outcome.
    expect(report).toMatchObject({ outcome: "timed-out", abandoned: 1, committedSeq: 0 });
    expect(report.inFlight).toBe(1);
    expect(await second.settled).toMatchObject({ ok: false, error: { code: "ERR_CLOSED" } });
    faulty.release();
  });

  it("Infinity never times out: the queued commits are written once the sync returns", async () => {
    const { manual, clock, delays } = recordingClock();
    const { faulty, store, first, second } = await storeWithHungSync(clock);
    let closed = false;
    const closing = store.close({ timeoutMs: Number.POSITIVE_INFINITY }).then((report) => {
      closed = true;
      return report;
    });
    await settle();
    expect(delays.every((ms) => ms <= MAX_TIMER_MS)).toBe(true);
    manual.advance(10 * MAX_TIMER_MS);
    await settle();
    expect(closed).toBe(false);
    faulty.release();
    expect(await deadline(closing)).toMatchObject({
      ok: true,
      outcome: "clean",
      abandoned: 0,
      inFlight: 0,
    });
    expect(await first.settled).toMatchObject({ ok: true, seq: 1 });
    expect(await second.settled).toMatchObject({ ok: true, seq: 2 });
  });

  it("a bad timeoutMs throws before anything is refused or abandoned", async () => {
    const { faulty, store, first, second } = await storeWithHungSync();
    for (const timeoutMs of [Number.NaN, -5]) {
      expect(() => store.close({ timeoutMs })).toThrow(RangeError);
    }
    expect(() => store.close({ timeoutMs: "abc" as never })).toThrow(TypeError);
    expect(() => store.close(null as never)).toThrow(TypeError);
    // A misspelt key would silently keep the 30 s default.
    expect(() => store.close({ timeOutMs: 1 } as never)).toThrow(
      /close: unknown option "timeOutMs"/,
    );
    expect(store.state.mode).toBe("ok");
    faulty.release();
    expect(await deadline(first.settled)).toMatchObject({ ok: true });
    expect(await deadline(second.settled)).toMatchObject({ ok: true });
    expect(await store.commit("after", () => [add("y")]).settled).toMatchObject({ ok: true });
    expect(await deadline(store.close())).toMatchObject({ ok: true, committedSeq: 3 });
  });
});

describe("close at the deadline: reloads", () => {
  it("a reload queued behind the commits settles ERR_CLOSED", async () => {
    const { faulty, store, second } = await storeWithHungSync();
    const reloaded = store.reload("queued").then(
      () => "reloaded",
      (error: { code?: string }) => error.code,
    );
    const report = await deadline(store.close({ timeoutMs: 10 }));
    expect(report).toMatchObject({ outcome: "timed-out", abandoned: 1 });
    expect(await deadline(reloaded)).toBe("ERR_CLOSED");
    expect(await second.settled).toMatchObject({ ok: false, error: { code: "ERR_CLOSED" } });
    faulty.release();
  });

  it("a reload still loading closes the journal it opened and publishes nothing", async () => {
    const faulty = createFaultyFs(memFs());
    const { store } = await openCounters(faulty);
    await store.commit("a", () => [add("a")]).settled;
    const events: StoreEvent[] = [];
    store.subscribe((event) => events.push(event));
    // The reload's load lists the directory first: it hangs there, after the journal was closed.
    faulty.addFaults([{ op: "readdir", fault: { hang: true } }]);
    const reloaded = store.reload("slow").then(
      () => "reloaded",
      (error: { code?: string }) => error.code,
    );
    await deadline(faulty.waitForHang());
    const report = await deadline(store.close({ timeoutMs: 10 }));
    expect(report.outcome).toBe("timed-out");
    const opensBefore = faulty.calls.filter((c) => c.op === "open").length;
    faulty.release();
    expect(await deadline(reloaded)).toBe("ERR_CLOSED");
    // The load went on and opened the journal again, then closed every handle it opened.
    const opened = faulty.calls.filter((c) => c.op === "open" && c.outcome === "ok");
    expect(opened.length).toBeGreaterThan(opensBefore);
    const closes = () => faulty.calls.filter((c) => c.op === "close" && c.outcome === "ok").length;
    // The close that timed out closes the store's journal in the background: bounded wait for it.
    for (let turn = 0; turn < 1000 && closes() < opened.length; turn++) await settle();
    expect(closes()).toBe(opened.length);
    expect(events.map((e) => e.type)).not.toContain("reloaded");
    expect(store.read()).toEqual({ value: { a: 1 }, seq: 1 });
  });
});

describe("close with a zero deadline", () => {
  const tmp = tempDirs("snapwrite-close-idle-");

  it("an idle store on disk closes clean every time, its files and lock released", async () => {
    const dir = await tmp();
    const lock = createExclusiveFileLock();
    const reports: StoreCloseReport[] = [];
    for (let round = 0; round < 200; round++) {
      const { store } = await deadline(openDurableStore({ ...counterFiles(undefined, dir), lock }));
      if (round === 0) await store.commit("a", () => [add("a")]).settled;
      reports.push(await deadline(store.close({ timeoutMs: 0 })));
    }
    // Closing the journal's file and the lock takes real I/O, which may outlast a zero timer:
    // it is no work left undone, so it never makes the close time out.
    expect(reports.filter((report) => report.outcome !== "clean")).toEqual([]);
    expect(reports.every((report) => report.durableSeq === 1 && report.committedSeq === 1)).toBe(
      true,
    );
    const { store } = await deadline(openDurableStore({ ...counterFiles(undefined, dir), lock }));
    expect(store.read()).toEqual({ value: { a: 1 }, seq: 1 });
    expect(await deadline(store.close())).toMatchObject({ outcome: "clean" });
  });

  it("a commit hung in its fsync still times out", async () => {
    const { faulty, store, second } = await storeWithHungSync();
    const report = await deadline(store.close({ timeoutMs: 0 }));
    expect(report).toMatchObject({ ok: false, outcome: "timed-out", abandoned: 1, inFlight: 1 });
    expect(report.error?.code).toBe("ERR_TIMEOUT");
    expect(await second.settled).toMatchObject({ ok: false, error: { code: "ERR_CLOSED" } });
    faulty.release();
  });

  it("a release slower than the deadline finishes after a clean report", async () => {
    const faulty = createFaultyFs(memFs());
    const { store } = await openCounters(faulty);
    await store.commit("a", () => [add("a")]).settled;
    faulty.addFaults([{ op: "close", path: /\.wal\./, fault: { hang: true } }]);
    const report = await deadline(store.close({ timeoutMs: 0 }));
    expect(report).toMatchObject({ ok: true, outcome: "clean", committedSeq: 1, durableSeq: 1 });
    await deadline(faulty.waitForHang());
    faulty.release();
    const walCloses = () =>
      faulty.calls.filter((c) => c.op === "close" && /\.wal\./.test(c.path) && c.outcome === "ok");
    for (let turn = 0; turn < 1000 && walCloses().length === 0; turn++) await settle();
    expect(walCloses().length).toBeGreaterThan(0);
  });
});
