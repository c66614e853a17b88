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

function sample(
  maxStallMs: number[],
  controlMs: number[],
  scavengeMs: number[],
  unexplainedMs: number[],
): YoungGenSample {
  return {
    commitsPerSecond: 30_000,
    maxStallMs,
    controlMs,
    longestScavengeMs: scavengeMs,
    passes: maxStallMs.map(() => 1),
    scavenges: scavengeMs.map((ms) => (ms > 0 ? 1 : 0)),
    unexplainedMs,
  };
}

interface RunShape {
  /** The store's stalls beside any collection, per round (default 0.2 ms). */
  readonly unexplained?: number[];
  /** The idle windows after the control's rounds (default 0.3 ms). */
  readonly controlIdle?: number[];
  /** The owner's time on a CPU beside collections per round: store's, then the control's. */
  readonly held?: readonly [number[], number[]];
  /** The store's waits for a CPU beside collections per round (with `held`). */
  readonly waited?: number[];
}

/**
 * A child's rounds: the store's max stalls and the in-memory control run's, each a collection
 * 0.1 ms shorter; idle windows of 0.3 ms unless `shape` says otherwise.
 */
function run(store: number[], inMemory: number[], shape: RunShape = {}): YoungGenRun {
  const idle = store.map(() => 0.3);
  const storeSample = sample(
    store,
    idle,
    store.map((ms) => ms - 0.1),
    shape.unexplained ?? store.map(() => 0.2),
  );
  const controlSample = sample(
    inMemory,
    shape.controlIdle ?? idle,
    inMemory.map((ms) => ms - 0.1),
    inMemory.map(() => 0.2),
  );
  if (shape.held === undefined) return { store: storeSample, inMemory: controlSample };
  return {
    store: {
      ...storeSample,
      heldMs: shape.held[0],
      waitedMs: shape.waited ?? store.map(() => 0),
    },
    inMemory: { ...controlSample, heldMs: shape.held[1], waitedMs: inMemory.map(() => 0) },
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
    loadAtStart: [0.4, 0.5, 0.6],
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
    expect(verdict.notes?.some((n) => n.startsWith("caution"))).toBe(false);
    expect(verdict.notes?.[0]).toContain("the store's rounds held 3 of 3 with a young-generation");
  });

  it("is missed when the store stalls beside any collection beyond the idle windows + 2 ms", () => {
    // Within the control run's + 2 ms, but 2.4 ms that no collection covered: persistence's own.
    const verdict = stallOf(
      results(
        run([3.1, 4.9, 2.8], [0.5, 3.0, 0.4], { unexplained: [0.2, 2.4, 0.1] }),
        run([1.9], [1.8]),
      ),
    );
    expect(verdict.reached).toBe(false);
    expect(verdict.line).toContain(
      "longest stall beside any collection 2.40 ms vs the machine's own 0.30 ms (idle windows 0.30, the control's beside collections 0.20)",
    );
    expect(verdict.notes?.find((n) => n.startsWith("why missed"))).toContain(
      "stalled 2.4 ms beside any collection, more than the machine's own 0.3 ms + 2",
    );
  });

  it("judges the owner's own time on a CPU beside collections where it was measured, not its waits", () => {
    // 3.5 ms beside any collection would miss the idle windows' 0.3 + 2; but the owner thread ran
    // for 0.8 ms of it and waited for a CPU 3.2 ms: no step of its own, against the control's 0.3.
    const verdict = stallOf(
      results(
        run([3.1, 4.9, 2.8], [0.5, 3.0, 0.4], {
          unexplained: [0.2, 3.5, 0.1],
          held: [
            [0.1, 0.8, 0.0],
            [0.3, 0.1, 0.2],
          ],
          waited: [0.1, 3.2, 0.0],
        }),
        run([1.9], [1.8]),
      ),
    );
    expect(verdict.reached).toBe(true);
    expect(verdict.line).toContain(
      "in which its owner thread ran its own code for at most 0.80 ms at a stretch vs the control run's 0.30 ms and waited for a CPU up to 3.20 ms",
    );
    expect(verdict.notes?.some((n) => n.includes("running its own code 0.1 · 0.8 · 0.0"))).toBe(
      true,
    );
  });

  it("is missed when the owner ran its own code beside collections beyond the control's + 2 ms", () => {
    const verdict = stallOf(
      results(
        run([3.1, 4.9, 2.8], [0.5, 3.0, 0.4], {
          unexplained: [0.2, 2.9, 0.1],
          held: [
            [0.1, 2.9, 0.0],
            [0.3, 0.5, 0.2],
          ],
        }),
        run([1.9], [1.8]),
      ),
    );
    expect(verdict.reached).toBe(false);
    expect(verdict.notes?.find((n) => n.startsWith("why missed"))).toContain(
      "ran its own code for 2.9 ms at a stretch, more than the control run's 0.5 ms + 2",
    );
  });

  it("counts the idle windows after either side's rounds, and warns when one was not idle", () => {
    const verdict = stallOf(
      results(run([3.1], [2.9], { unexplained: [2.4], controlIdle: [1.5] }), run([1.9], [1.8])),
    );
    // 2.4 ms beside collections is within the control-side idle window's 1.5 ms + 2.
    expect(verdict.reached).toBe(true);
    expect(verdict.notes?.[0]).toContain(
      "caution: the machine was not quiet: an idle window stalled 1.5 ms",
    );
  });

  it("is missed when persistence adds more than 2 ms, and says by how much", () => {
    const verdict = stallOf(results(run([3.1, 5.1, 2.8], [0.5, 3.0, 0.4]), run([1.9], [1.8])));
    expect(verdict.reached).toBe(false);
    expect(verdict.notes?.find((n) => n.startsWith("why missed"))).toContain("by 2.10 ms");
    expect(verdict.notes?.filter((n) => n.startsWith("why missed"))).toHaveLength(1);
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
