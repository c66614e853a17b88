import { describe, expect, it } from "vitest";
import { formatGoals, wrap } from "../src/format-goals.js";
import type { GoalVerdict } from "../src/goal-support.js";
import { evaluateGoals } from "../src/goals.js";
import type { RunResult } from "../src/run-result.js";
import { run } from "./run-fixture.js";

/** The goals of `runs` at 100k records, with nothing else measured. */
function goalsOfRuns(runs: readonly RunResult[]): GoalVerdict[] {
  return evaluateGoals({
    runs,
    codecs: [],
    jsonCodec: [],
    warmLoads: [],
    manyTargets: undefined,
    recordCounts: [100_000],
    genericReplicaExports: [],
  });
}

describe("goals", () => {
  it("compares the sliced runs with the control run of the same workload", () => {
    const runs = [
      run("known.met save 100k", "control-no-save", {
        maxStallMs: 3,
        p99StallMs: 1,
        gcMaxPauseMs: 2,
      }),
      run("known.met save 100k", "snapwrite-sliced-fs", {
        maxStallMs: 3.9,
        p99StallMs: 1.5,
        gcMaxPauseMs: 2,
      }),
      run("known.met periodic 100k", "control-no-save", {
        maxStallMs: 3,
        p99StallMs: 1,
        gcMaxPauseMs: 2,
      }),
      run("known.met periodic 100k", "snapwrite-sliced-fs", {
        maxStallMs: 11,
        p99StallMs: 1,
        gcMaxPauseMs: 9,
        stallCauses: {
          thresholdMs: 5,
          byCause: { GC: { count: 2, ms: 18, maxMs: 9 } },
          longest: [],
        },
      }),
    ];
    const [noStall, , , , many] = evaluateGoals({
      runs,
      codecs: [],
      jsonCodec: [],
      warmLoads: [],
      manyTargets: {
        targets: 10_000,
        concurrency: 16,
        bytesPerTarget: 256,
        segments: 5,
        rounds: [
          {
            first: "writer",
            writerMs: 1050,
            sinkMs: 1000,
            writerCpuMs: 525,
            sinkCpuMs: 500,
            ratio: 0.95,
          },
          {
            first: "sink",
            writerMs: 1100,
            sinkMs: 990,
            writerCpuMs: 550,
            sinkCpuMs: 495,
            ratio: 0.9,
          },
          {
            first: "writer",
            writerMs: 1000,
            sinkMs: 1010,
            writerCpuMs: 500,
            sinkCpuMs: 505,
            ratio: 1.01,
          },
        ],
        sinkMs: 1000,
        sinkTargetsPerSec: 10_000,
        writerMs: 1050,
        writerTargetsPerSec: 9524,
        ratio: 0.95,
        writerCpuUsPerTarget: 60,
        sinkCpuUsPerTarget: 50,
        writerMaxInFlight: 16,
        concurrencyOptionAccepted: true,
        failures: 0,
      },
      recordCounts: [100_000],
      genericReplicaExports: [],
    });
    expect(noStall?.checks.map((c) => c.reached)).toEqual([true, false, null, null]);
    expect(noStall?.reached).toBe(false);
    expect(noStall?.why).toContain("GC 2×");
    expect(noStall?.toClose).toContain("pool");
    expect(many?.reached).toBe(true);
    const text = formatGoals([noStall, many].filter((g) => g !== undefined));
    expect(text).toContain(
      "1. Saving adds no stall (default sliced executor): MISSED (1 of 2 checks)",
    );
    expect(text).toContain("5. Writer with many targets: reached (2 of 2 checks)");
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(120);
  });

  it("shows the single saves at sliceBudgetMs 1 beside goal 1's checks, without counting them", () => {
    const control = { maxStallMs: 1, p99StallMs: 0.3, gcMaxPauseMs: 0 };
    const runs = [
      run("known.met save 100k", "control-no-save", control),
      run("known.met save 100k", "snapwrite-sliced-fs", {
        maxStallMs: 5.6,
        p99StallMs: 5.6,
        gcMaxPauseMs: 0,
      }),
      run("known.met save 100k", "snapwrite-sliced-1ms-fs", {
        maxStallMs: 1.8,
        p99StallMs: 1.2,
        gcMaxPauseMs: 0,
      }),
      run("json save 100k", "control-no-save", control),
      run("json save 100k", "snapwrite-sliced-fs", {
        maxStallMs: 9,
        p99StallMs: 7,
        gcMaxPauseMs: 2,
      }),
      run("json save 100k", "snapwrite-sliced-1ms-fs", {
        maxStallMs: 1.9,
        p99StallMs: 1.3,
        gcMaxPauseMs: 1.5,
      }),
    ];
    const goal1 = (withSmall: boolean) =>
      goalsOfRuns(withSmall ? runs : runs.filter((r) => !r.contender.includes("1ms")))[0];
    const goal = goal1(true);
    expect(goal?.reached).toBe(false);
    expect(goal?.checks.map((c) => c.reached)).toEqual([false, null, false, null, null, null]);
    const small = goal?.checks.slice(4) ?? [];
    expect(small.map((c) => c.label)).toEqual([
      "known.met save 100k at sliceBudgetMs 1 (not counted)",
      "json save 100k at sliceBudgetMs 1 (not counted)",
    ]);
    expect(small[0]?.measured).toContain("would meet the thresholds: yes");
    expect(small[1]?.measured).toContain("would meet the thresholds: no (GC)");
    expect(goal?.why).toContain("slice budget is 4 ms");
    expect(goal?.why).toContain("sliced p99 5.6–7 ms");
    expect(goal?.why).toContain("control's p99 0.3 ms");
    expect(goal?.toClose).toContain(
      "with sliceBudgetMs 1 the single saves measured p99 1.2–1.3 ms",
    );
    expect(goal?.toClose).toContain("in 2 of 2 and within all of them, GC included, in 1 of 2");
    const text = formatGoals(goal ? [goal] : []);
    expect(text).toContain("(0 of 2 checks)");
    expect(text).toContain("· json save 100k at sliceBudgetMs 1 (not counted)");
    const without = goal1(false);
    expect(without?.checks).toHaveLength(4);
    expect(without?.toClose).toContain("sliceBudgetMs 1 was not measured");
  });

  it("shows the known.met saves with the worker executor beside goal 1's checks, without counting them", () => {
    const control = { maxStallMs: 1, p99StallMs: 0.3, gcMaxPauseMs: 0 };
    const sliced = { maxStallMs: 5.6, p99StallMs: 5.6, gcMaxPauseMs: 0 };
    const worker = {
      "known.met save 100k": { maxStallMs: 1.5, p99StallMs: 0.4, gcMaxPauseMs: 0 },
      "known.met periodic 100k": { maxStallMs: 3.5, p99StallMs: 0.5, gcMaxPauseMs: 2 },
    };
    const runs = Object.entries(worker).flatMap(([workload, stalls]) => [
      run(workload, "control-no-save", control),
      run(workload, "snapwrite-sliced-fs", sliced),
      run(workload, "snapwrite-worker-fs", stalls),
    ]);
    const [goal] = goalsOfRuns(runs);
    expect(goal?.reached).toBe(false);
    const workerLines = goal?.checks.filter((c) => c.label.includes("worker")) ?? [];
    expect(workerLines.map((c) => [c.label, c.reached])).toEqual([
      ["known.met save 100k with the worker executor (not counted)", null],
      ["known.met periodic 100k with the worker executor (not counted)", null],
    ]);
    expect(workerLines[0]?.measured).toContain("would meet the thresholds: yes");
    expect(workerLines[1]?.measured).toContain("would meet the thresholds: no (max, GC)");
    expect(goal?.toClose).toContain(
      "the worker executor (not the default) met every threshold in 1 of 2 known.met checks",
    );
  });

  it("judges known.met loading at 1M, the size its goal names, once a run measured 1M", () => {
    const codec = (records: number, decodeMBps: number) => ({
      codec: "known.met",
      records,
      bytes: records * 200,
      chunks: 1,
      maxChunkBytes: 1,
      encodeMs: 1,
      decodeMs: 1,
      encodeMBps: 2000,
      decodeMBps,
    });
    const load = (records: number, ratio: number) => ({
      records,
      bytes: records * 200,
      rounds: 3,
      bareReadMs: 10,
      loadMs: 10 * ratio,
      ratio,
    });
    const goal3 = (recordCounts: number[]) =>
      evaluateGoals({
        runs: [],
        codecs: [codec(100_000, 1000), codec(1_000_000, 2900)],
        jsonCodec: [],
        warmLoads: [load(100_000, 1.5), load(1_000_000, 1.2)],
        manyTargets: undefined,
        recordCounts,
        genericReplicaExports: [],
      })[2];
    const full = goal3([100_000, 1_000_000]);
    expect(full?.checks.map((c) => c.reached)).toEqual([null, null, true, true]);
    expect(full?.reached).toBe(true);
    expect(full?.checks[1]?.measured).not.toContain("✗");
    expect(full?.checks[1]?.measured).toContain("stated at 1M");
    const quick = goal3([100_000]);
    expect(quick?.checks.map((c) => c.reached)).toEqual([false, false]);
    expect(quick?.reached).toBe(false);
  });

  it("judges goal 4's replica memory above the idle worker of the same run, showing both figures", () => {
    const fileBytes = 20 * 2 ** 20;
    const goal4 = (worker: Partial<RunResult>) =>
      evaluateGoals({
        runs: [
          run("known.met periodic 100k", "control-no-save", { peakRssMb: 100 }),
          run("known.met periodic 100k", "snapwrite-worker-fs", {
            peakRssMb: 110,
            mutations: 1000,
            ...worker,
          }),
        ],
        codecs: [
          {
            codec: "known.met",
            records: 100_000,
            bytes: fileBytes,
            chunks: 1,
            maxChunkBytes: 1,
            encodeMs: 1,
            decodeMs: 1,
            encodeMBps: 1,
            decodeMBps: 1,
          },
        ],
        jsonCodec: [],
        warmLoads: [],
        manyTargets: undefined,
        recordCounts: [100_000],
        genericReplicaExports: ["x"],
      })[3];
    const memory = (goal: ReturnType<typeof goal4>) =>
      goal?.checks.find((c) => c.label.endsWith("replica memory"));
    const within = memory(goal4({ workerMemoryMb: 35, workerFloorMb: 10 }));
    expect(within?.reached).toBe(true);
    expect(within?.measured).toContain("replica 25.0 MiB = 1.25× the 20.0 MiB file:");
    expect(within?.measured).toContain("peak 35.0 MiB (1.75×) minus 10.0 MiB");
    const over = memory(goal4({ workerMemoryMb: 40, workerFloorMb: 10 }));
    expect(over?.reached).toBe(false);
    expect(over?.measured).toContain("1.50× the 20.0 MiB file ✗");
    // Without the control nothing is subtracted: the raw peak is judged.
    const raw = memory(goal4({ workerMemoryMb: 35 }));
    expect(raw?.reached).toBe(false);
    expect(raw?.measured).toContain("nothing subtracted");
  });

  it("wrap keeps the leading indent and breaks at the width", () => {
    expect(wrap("   a bb ccc dddd", 8, "  ")).toBe("   a bb\n  ccc\n  dddd");
  });
});

describe("goal 5's reason for a missed rate comes from where the CPU went", () => {
  const missed = (main: { writer: number; sink: number } | undefined) => {
    const round = (ratio: number) => ({
      first: "writer" as const,
      writerMs: 2000,
      sinkMs: 2000 * ratio,
      writerCpuMs: 10_000,
      sinkCpuMs: 5_000,
      ratio,
      ...(main ? { writerMainCpuMs: main.writer * 10, sinkMainCpuMs: main.sink * 10 } : {}),
    });
    const rounds = [round(0.89), round(0.61), round(0.5)];
    const [goal] = evaluateGoals({
      runs: [],
      codecs: [],
      jsonCodec: [],
      warmLoads: [],
      manyTargets: {
        targets: 10_000,
        concurrency: 16,
        bytesPerTarget: 256,
        segments: 4,
        rounds,
        sinkMs: 1220,
        sinkTargetsPerSec: 8197,
        writerMs: 2000,
        writerTargetsPerSec: 5000,
        ratio: 0.61,
        writerCpuUsPerTarget: 1000,
        sinkCpuUsPerTarget: 500,
        ...(main ? { writerMainUsPerTarget: main.writer, sinkMainUsPerTarget: main.sink } : {}),
        writerMaxInFlight: 16,
        concurrencyOptionAccepted: true,
        failures: 0,
      },
      recordCounts: [1_000_000],
      genericReplicaExports: [],
    }).filter((g) => g.id === 5);
    expect(goal?.reached).toBe(false);
    return goal;
  };

  it("names the writer's own JavaScript when the main thread holds the extra CPU", () => {
    const goal = missed({ writer: 700, sink: 250 });
    expect(goal?.why).toContain("the writer's own per-target work on the main thread");
    expect(goal?.why).toContain("700 µs per target through the writer vs 250 µs");
    expect(goal?.why).toContain("0.5–0.89×");
    expect(goal?.toClose).toContain("--cpu-prof");
  });

  it("says the machine moved when the extra CPU is off the main thread", () => {
    const goal = missed({ writer: 270, sink: 250 });
    expect(goal?.why).toContain("not its own JavaScript");
    expect(goal?.why).toContain("500 µs");
    expect(goal?.toClose).toContain("a quieter machine");
  });

  it("falls back to the overall reason without a per-thread split", () => {
    const goal = missed(undefined);
    expect(goal?.why).toContain("per-target overhead");
  });
});
