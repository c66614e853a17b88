import { describe, expect, it } from "vitest";
import {
  busiestThreads,
  openThreadSched,
  outsideShare,
  parseSchedstat,
  splitBetween,
  stolenMs,
  threadCpuMs,
} from "../src/thread-sched.js";

describe("the owner thread's scheduler counters", () => {
  it("parses schedstat's nanoseconds into ms and refuses anything else", () => {
    expect(parseSchedstat("166499466 880125 18\n")).toEqual({
      onCpuMs: 166.499466,
      runQueueMs: 0.880125,
    });
    expect(() => parseSchedstat("")).toThrow(/unexpected schedstat/);
    expect(() => parseSchedstat("12 x 3")).toThrow(/unexpected schedstat/);
  });

  it("splits an interval into the owner's CPU, its wait, and the other threads' CPU", () => {
    const split = splitBetween(
      { onCpuMs: 10, runQueueMs: 2, processCpuMs: 30 },
      { onCpuMs: 10.5, runQueueMs: 5.5, processCpuMs: 35 },
    );
    expect(split.onCpuMs).toBeCloseTo(0.5);
    expect(split.runQueueMs).toBeCloseTo(3.5);
    expect(split.otherThreadsCpuMs).toBeCloseTo(4.5);
    // Process CPU is sampled after the thread's: never a negative share for the others.
    const skewed = splitBetween(
      { onCpuMs: 10, runQueueMs: 0, processCpuMs: 30 },
      { onCpuMs: 12, runQueueMs: 0, processCpuMs: 31 },
    );
    expect(skewed.otherThreadsCpuMs).toBe(0);
  });

  it("takes a collection's pause off the owner's CPU time, and caps both parts at the stall's", () => {
    const split = { onCpuMs: 4, runQueueMs: 6, otherThreadsCpuMs: 3 };
    expect(outsideShare(split, 3, 2.5)).toEqual({ heldMs: 1.5, waitedMs: 3 });
    expect(outsideShare(split, 5, 0)).toEqual({ heldMs: 4, waitedMs: 5 });
    expect(outsideShare({ ...split, onCpuMs: 1 }, 2, 3)).toEqual({ heldMs: 0, waitedMs: 2 });
    expect(outsideShare(split, -1, 0)).toEqual({ heldMs: 0, waitedMs: 0 });
  });

  it("reads the hypervisor's stolen time from /proc/stat's cpu line in ms", () => {
    expect(stolenMs(() => "cpu  48879 0 8887 184774 1073 0 130 686 0 0\ncpu0 1 2\n")).toBe(6860);
    expect(stolenMs(() => "cpu0 1 2 3 4 5 6 7 8\n")).toBeUndefined();
    expect(stolenMs(() => "cpu 1 2 3")).toBeUndefined();
    expect(
      stolenMs(() => {
        throw new Error("ENOENT");
      }),
    ).toBeUndefined();
  });

  it("ranks the other threads by the CPU they used between two readings", () => {
    const before = new Map([
      [process.pid, 100],
      [1, 5],
      [2, 1],
    ]);
    const after = new Map([
      [process.pid, 200],
      [1, 6],
      [2, 9],
      [3, 2],
    ]);
    expect(busiestThreads(before, after, 2)).toEqual([
      [2, 8],
      [3, 2],
    ]);
  });

  const sched = openThreadSched();
  it.skipIf(sched === undefined)(
    "reads the main thread's counters on Linux, and they grow with work",
    () => {
      if (sched === undefined) return;
      try {
        const before = sched.sample();
        let x = 0;
        const until = performance.now() + 20;
        while (performance.now() < until) x += Math.sqrt(x + 1);
        const after = sched.sample();
        expect(x).toBeGreaterThan(0);
        expect(after.onCpuMs).toBeGreaterThan(before.onCpuMs);
        expect(after.processCpuMs).toBeGreaterThan(before.processCpuMs);
        expect(threadCpuMs().get(process.pid)).toBeGreaterThan(0);
      } finally {
        sched.close();
      }
    },
  );
});
