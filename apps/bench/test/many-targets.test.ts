import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  anotherRound,
  firstPassOf,
  measureManyTargets,
  segmentBounds,
  summarizeManyTargets,
  warmUpTargets,
  writerFirstIn,
} from "../src/many-targets.js";
import { median } from "../src/percentile.js";
import { loadSnapwriteModules } from "../src/snapwrite-modules.js";

describe("median", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});

describe("goal 5 rounds", () => {
  const plan = { targets: 10, concurrency: 2, rounds: 5, minRounds: 3, budgetMs: 1000 };

  it("reverses the order of the passes every round", () => {
    expect([0, 1, 2, 3].map(firstPassOf)).toEqual(["writer", "sink", "writer", "sink"]);
  });

  it("cuts the targets into segments that cover each once, sizes differing by one at most", () => {
    const bounds = [0, 1, 2].map((i) => segmentBounds(10, 3, i));
    expect(bounds).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(segmentBounds(10, 1, 0)).toEqual([0, 10]);
  });

  it("warms each side up with 5 % more targets, 50 at least", () => {
    expect(warmUpTargets(10_000)).toBe(500);
    expect(warmUpTargets(4_000)).toBe(200);
    expect(warmUpTargets(10)).toBe(50);
  });

  it("alternates the side that goes first from segment to segment and from round to round", () => {
    expect([0, 1, 2, 3].map((segment) => writerFirstIn(0, segment))).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect([0, 1, 2, 3].map((segment) => writerFirstIn(1, segment))).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });

  it("runs the minimum whatever the time, then stops at the budget or the maximum", () => {
    expect(anotherRound(plan, 2, 5000)).toBe(true);
    expect(anotherRound(plan, 3, 5000)).toBe(false);
    expect(anotherRound(plan, 4, 999)).toBe(true);
    expect(anotherRound(plan, 5, 0)).toBe(false);
  });

  it("compares the medians of the passes and keeps every round", () => {
    const rounds = [
      {
        first: "writer" as const,
        writerMs: 1200,
        sinkMs: 1000,
        writerCpuMs: 600,
        sinkCpuMs: 500,
        ratio: 0.83,
      },
      {
        first: "sink" as const,
        writerMs: 1000,
        sinkMs: 1100,
        writerCpuMs: 500,
        sinkCpuMs: 550,
        ratio: 1.1,
      },
      {
        first: "writer" as const,
        writerMs: 1100,
        sinkMs: 900,
        writerCpuMs: 550,
        sinkCpuMs: 450,
        ratio: 0.82,
      },
    ];
    const pass = (maxInFlight: number, failures: number) => ({
      ms: 0,
      cpuMs: 0,
      systemMs: 0,
      startMs: 0,
      endMs: 0,
      maxInFlight,
      concurrencyOptionAccepted: true,
      failures,
    });
    const result = summarizeManyTargets(
      { targets: 10_000, concurrency: 16, bytesPerTarget: 256, segments: 5 },
      rounds,
      [pass(16, 0), pass(15, 1), pass(16, 0)],
    );
    expect(result.writerMs).toBe(1100);
    expect(result.sinkMs).toBe(1000);
    expect(result.ratio).toBe(0.91);
    expect(result.writerTargetsPerSec).toBe(9091);
    expect(result.writerCpuUsPerTarget).toBe(55);
    expect(result.sinkCpuUsPerTarget).toBe(50);
    expect(result.sinkTargetsPerSec).toBe(10_000);
    expect(result.rounds).toEqual(rounds);
    expect(result.writerMaxInFlight).toBe(16);
    expect(result.failures).toBe(1);
  });

  it("runs the rounds over sink-fs in fresh directories and leaves none behind", async () => {
    const root = await mkdtemp(join(tmpdir(), "many-targets-test-"));
    try {
      const modules = await loadSnapwriteModules();
      const result = await measureManyTargets(modules, root, {
        targets: 24,
        concurrency: 4,
        rounds: 5,
        minRounds: 3,
        budgetMs: 0,
      });
      expect(result?.rounds.map((r) => r.first)).toEqual(["writer", "sink", "writer"]);
      expect(result?.failures).toBe(0);
      expect(result?.writerMaxInFlight).toBeGreaterThan(0);
      expect(result?.writerMaxInFlight).toBeLessThanOrEqual(4);
      expect(result?.concurrencyOptionAccepted).toBe(true);
      expect(await readdir(root)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("writes every target once per side and round when the passes are cut into segments", async () => {
    const root = await mkdtemp(join(tmpdir(), "many-targets-test-"));
    try {
      const loaded = await loadSnapwriteModules();
      const createFsSink = loaded.createFsSink;
      if (!createFsSink) throw new Error("no createFsSink");
      const writes = new Map<string, string[]>();
      const modules: typeof loaded = {
        ...loaded,
        createFsSink: (options) => {
          const sink = createFsSink(options);
          const write = sink.write.bind(sink);
          const dir = (options as { dir: string }).dir;
          sink.write = (target, chunks, writeOptions) => {
            writes.set(dir, [...(writes.get(dir) ?? []), target]);
            return write(target, chunks, writeOptions);
          };
          return sink;
        },
      };
      const result = await measureManyTargets(modules, root, {
        targets: 10,
        concurrency: 2,
        rounds: 2,
        minRounds: 2,
        budgetMs: 0,
        segments: 3,
      });
      expect(result?.segments).toBe(3);
      expect(result?.failures).toBe(0);
      // Two rounds, each with a directory of its own per side.
      expect(writes.size).toBe(4);
      // The timed targets and the untimed warm-up ones after them, each once.
      const all = Array.from({ length: 10 + warmUpTargets(10) }, (_, i) => `t-${i}.json`).sort();
      for (const targets of writes.values()) expect([...targets].sort()).toEqual(all);
      expect(await readdir(root)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
