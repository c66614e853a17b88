import { describe, expect, it } from "vitest";
import { type StoreBenchResults, storeVerdicts } from "../src/store-bench-report.js";
import type { Row } from "../src/store-bench-run.js";
import type { YoungGenRun, YoungGenSample } from "../src/store-bench-young-gen.js";

function row(
  contender: string,
  callers: number,
  commitsPerSecond: number,
  maxStallMs: number,
): Row {
  return {
    contender,
    entries: 1000,
    callers,
    updates: 100,
    commitsPerSecond,
    p50Ms: 0.1,
    p99Ms: 1,
    maxStallMs,
    peakRssMb: 100,
    heapAfterGcMb: 50,
  };
}

function sample(maxStallMs: number[], controlMs: number[], scavengeMs: number[]): YoungGenSample {
  return { commitsPerSecond: 30_000, maxStallMs, controlMs, longestScavengeMs: scavengeMs };
}

/** A child's rounds: the store's max stalls and the in-memory control run's, idle windows of 0.3 ms. */
function run(store: number[], inMemory: number[]): YoungGenRun {
  const idle = store.map(() => 0.3);
  return {
    store: sample(
      store,
      idle,
      store.map((ms) => ms - 0.1),
    ),
    inMemory: sample(
      inMemory,
      idle,
      inMemory.map((ms) => ms - 0.1),
    ),
  };
}

function results(defaultRun: YoungGenRun, smallRun: YoungGenRun): StoreBenchResults {
  return {
    options: {
      entries: 1000,
      updates: 100,
      rewriteEntries: 100,
      rewriteUpdates: 2,
      journalRecords: 100,
    },
    controlMs: 0.4,
    rows: [
      row("better-sqlite3 (WAL, FULL)", 16, 1_000, 12),
      row("snapwrite openDurableStore", 16, 6_000, 3.4),
    ],
    commitRounds: { first: [], second: [], controlMaxStallMs: [] },
    sqliteReadUs: 4,
    storeReadUs: 0.3,
    readRounds: { store: [0.3], sqlite: [4] },
    sqliteOpenMs: 1,
    warmLoad: { totalMs: 1300, decodeMs: 1000, replayed: 100, rssMb: 700 },
    youngGen: { defaultYoungGen: defaultRun, smallYoungGen: smallRun },
  };
}

const stallOf = (r: StoreBenchResults) => {
  const verdict = storeVerdicts(r).find((v) => v.goal === "stall");
  if (verdict === undefined) throw new Error("no stall verdict");
  return verdict;
};

describe("the store bench's stall verdict", () => {
  it("is reached when the store's worst stall is within 2 ms of the in-memory control run's", () => {
    const verdict = stallOf(results(run([3.1, 4.9, 2.8], [0.5, 3.0, 0.4]), run([1.9], [1.8])));
    expect(verdict.reached).toBe(true);
    expect(verdict.line).toContain("store 4.90 ms vs control 3.00 ms");
    expect(verdict.line).toContain("largest of 3 alternating rounds");
    // The rounds beside better-sqlite3 against their idle windows are reported, not judged.
    expect(verdict.line).toContain("store 3.40 ms, idle 0.40 ms, better-sqlite3 12.00 ms");
    expect(verdict.notes?.some((n) => n.startsWith("why missed"))).toBe(false);
  });

  it("is missed when persistence adds more than 2 ms, and says by how much", () => {
    const verdict = stallOf(results(run([3.1, 5.1, 2.8], [0.5, 3.0, 0.4]), run([1.9], [1.8])));
    expect(verdict.reached).toBe(false);
    expect(verdict.notes?.find((n) => n.startsWith("why missed"))).toContain("by 2.10 ms");
  });

  it("reports the store against an idle loop, and what a small young generation did there", () => {
    const within = stallOf(results(run([2.2], [2.0]), run([1.2], [1.1])));
    expect(within.notes?.some((n) => n.startsWith("against an idle loop"))).toBe(false);
    const beyond = stallOf(results(run([4.0], [3.8]), run([2.0], [1.9])));
    const idle = beyond.notes?.find((n) => n.startsWith("against an idle loop"));
    expect(idle).toContain("its worst stall 4.0 ms, idle 0.3 ms; the control run's 3.8 ms");
    expect(idle).toContain("made the store's longest scavenge 1.9 ms against 3.9 ms and kept it");
    const small = stallOf(results(run([4.0], [3.8]), run([2.5], [1.9])));
    expect(small.notes?.find((n) => n.startsWith("against an idle loop"))).toContain(
      "did not keep it",
    );
  });
});
