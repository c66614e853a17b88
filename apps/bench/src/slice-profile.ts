// Where the sliced executor's slices overrun their budget (goal 1): the bench's known.met and JSON
// states of `--records` records, each saved once through the writer and sink-fs with
// `createSlicedExecutor({ budgetMs })` and two yields in alternating rounds: the default (two
// `setImmediate`s) and a single `setImmediate` (the earlier default). Per save: the stall monitor's
// max and p99, stalls > 5 ms, and how many slices began with no timer tick since the slice before
// (two slices back to back for the owner's timers). Also the longest codec step, minimum over the
// rounds (a step that is long every time is the codec's; one that is long once is GC or the OS).
// Medians of `--rounds`. Run: npm run build -w @snapwrite/bench && npm run profile:slices -w
// @snapwrite/bench [-- --records 1000000 --rounds 7 --budget 4]

import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { Codec } from "@snapwrite/core";
import { createPersistenceWriter, createSlicedExecutor } from "@snapwrite/core";
import { createJsonCodec } from "@snapwrite/formats-json";
import { createFsSink } from "@snapwrite/sink-fs";
import { buildItems } from "./bench-run.js";
import { withReleaseOf } from "./chunk-release-hook.js";
import { toJsonKnownFile, toJsonKnownState } from "./json-known-file.js";
import { positiveArg } from "./keyed-bench-store.js";
import { recordMaker } from "./known-met-phase.js";
import { percentile } from "./percentile.js";
import { loadSnapwriteModules } from "./snapwrite-modules.js";
import { createStallMonitor } from "./stall-monitor.js";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "100000" },
    rounds: { type: "string", default: "7" },
    budget: { type: "string", default: "4" },
    seed: { type: "string", default: "20261122" },
  },
  strict: true,
});

/** The yields compared: the executor's default (two `setImmediate`s), and one `setImmediate`. */
const YIELDS = {
  "two setImmediates (default)": () =>
    new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve))),
  "one setImmediate": () => new Promise<void>((resolve) => setImmediate(resolve)),
} as const;
type YieldName = keyof typeof YIELDS;

interface SaveFigures {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly over5: number;
  readonly slices: number;
  readonly backToBack: number;
}

/** Timer ticks seen so far (a 1 ms interval, like the stall monitor's). */
let ticks = 0;

/** A codec whose steps are timed into `steps` (ms, in step order); passes its release hook on. */
function timedCodec<T>(codec: Codec<T>, steps: number[]): Codec<T> {
  return {
    ...codec,
    encode(value) {
      const chunks = codec.encode(value);
      const inner = chunks[Symbol.iterator]();
      return withReleaseOf(
        {
          [Symbol.iterator]: () => ({
            next: () => {
              const start = performance.now();
              const step = inner.next();
              steps.push(performance.now() - start);
              return step;
            },
          }),
        },
        chunks,
      );
    },
  };
}

async function saveOnce<T>(
  dir: string,
  codec: Codec<T>,
  value: T,
  budgetMs: number,
  yieldName: YieldName,
  steps: number[],
): Promise<SaveFigures> {
  let slices = 0;
  let backToBack = 0;
  const yieldOnce = YIELDS[yieldName];
  const executor = createSlicedExecutor({
    budgetMs,
    yieldToEventLoop: async () => {
      const before = ticks;
      await yieldOnce();
      slices++;
      if (ticks === before) backToBack++;
    },
  });
  const sink = createFsSink({ dir });
  const writer = createPersistenceWriter({ sink, executor });
  const handle = writer.register("profile", {
    snapshot: () => value,
    codec: timedCodec(codec, steps),
  });
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const monitor = createStallMonitor();
  monitor.start();
  const result = await handle.saveNow("profile");
  const report = monitor.stop();
  await writer.close();
  if (!result.ok) throw result.error;
  return {
    maxMs: report.maxStallMs,
    p99Ms: report.p99StallMs,
    over5: report.stalls.filter((s) => s.endMs - s.startMs > 5).length,
    slices,
    backToBack,
  };
}

const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

function line(name: string, figures: readonly SaveFigures[]): string {
  const m = (pick: (f: SaveFigures) => number): string => median(figures.map(pick)).toFixed(1);
  return `${name}: max ${m((f) => f.maxMs)} ms, p99 ${m((f) => f.p99Ms)} ms, stalls > 5 ms ${m((f) => f.over5)}, slices ${m((f) => f.slices)} of which back to back ${m((f) => f.backToBack)}`;
}

async function main(): Promise<void> {
  const records = positiveArg("records", args.records);
  const rounds = positiveArg("rounds", args.rounds);
  const budgetMs = Number(args.budget);
  const seed = Number(args.seed);
  const modules = await loadSnapwriteModules();
  const toRecord = recordMaker(modules);
  const metCodec = modules.knownMetCodec as Codec<unknown> | undefined;
  if (!toRecord || !metCodec) throw new Error("formats-met does not provide the known.met codec");
  const cases: Array<[string, Codec<unknown>, unknown]> = [
    ["known.met", metCodec, { header: "auto", records: buildItems(records, seed, toRecord) }],
    [
      "json",
      createJsonCodec<unknown>(),
      toJsonKnownState(buildItems(records, seed, toJsonKnownFile)),
    ],
  ];
  const dir = await mkdtemp(join(tmpdir(), "slice-profile-"));
  const ticker = setInterval(() => ticks++, 1);
  const figures = new Map<string, SaveFigures[]>();
  const stepMins = new Map<string, number[]>();
  process.stdout.write(
    `load ${loadavg()[0]?.toFixed(2)}, ${records} records, budget ${budgetMs} ms, ${rounds} rounds\n`,
  );
  try {
    for (let round = 0; round < rounds; round++) {
      const names = Object.keys(YIELDS) as YieldName[];
      for (const yieldName of round % 2 === 0 ? names : [...names].reverse()) {
        for (const [name, codec, value] of cases) {
          const steps: number[] = [];
          const f = await saveOnce(dir, codec, value, budgetMs, yieldName, steps);
          const key = `${name}, yield ${yieldName}`;
          figures.set(key, [...(figures.get(key) ?? []), f]);
          const mins = stepMins.get(name);
          stepMins.set(name, mins ? mins.map((v, i) => Math.min(v, steps[i] ?? v)) : steps);
        }
      }
    }
  } finally {
    clearInterval(ticker);
    await rm(dir, { recursive: true, force: true });
  }
  for (const [key, list] of figures) process.stdout.write(`${line(key, list)}\n`);
  for (const [name, mins] of stepMins) {
    const longest = mins.reduce((a, b) => Math.max(a, b), 0);
    const mean = mins.reduce((a, b) => a + b, 0) / Math.max(1, mins.length);
    process.stdout.write(
      `${name} codec steps: ${mins.length}, mean ${mean.toFixed(3)} ms, longest ${longest.toFixed(2)} ms (minimum over the rounds)\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
});
