// What recycling the known.met codec's chunk buffers (codec-kit's chunk pool, released by sink-fs
// after its writev) does to a single save through the writer's default sliced executor and a
// durable sink-fs (or `--executor inline`): the default codec (pooled) against `createKnownMetCodec({ pool: false })` (a
// fresh 256 KiB buffer per chunk, the earlier behaviour), in alternating rounds in one process,
// beside an idle control window as long as a save. Per save: max and p99 stall, garbage
// collections (count, longest, total), save time. Medians of `--rounds`.
// Run: npm run build -w @snapwrite/bench && npm run profile:chunk-pool -w @snapwrite/bench
// [-- --records 1000000 --rounds 5 --executor inline]   (add node's --trace-gc to see each collection's reason)

import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Codec } from "@snapwrite/core";
import { createPersistenceWriter } from "@snapwrite/core";
import type { KnownMet } from "@snapwrite/formats-met";
import { createFsSink } from "@snapwrite/sink-fs";
import { chunkPoolVariants } from "./chunk-pool-variants.js";
import { positiveArg } from "./keyed-bench-store.js";
import { percentile } from "./percentile.js";
import { createStallMonitor, type StallReport } from "./stall-monitor.js";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "100000" },
    rounds: { type: "string", default: "5" },
    seed: { type: "string", default: "20261122" },
    executor: { type: "string", default: "sliced" },
  },
  strict: true,
});

interface Figures {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly gcCount: number;
  readonly gcMaxMs: number;
  readonly gcTotalMs: number;
  readonly saveMs: number;
}

const settle = async (): Promise<void> => {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
};

function figuresOf(report: StallReport, saveMs: number): Figures {
  return {
    maxMs: report.maxStallMs,
    p99Ms: report.p99StallMs,
    gcCount: report.gcCount,
    gcMaxMs: report.gcMaxPauseMs,
    gcTotalMs: report.gcTotalMs,
    saveMs,
  };
}

async function saveOnce(dir: string, codec: Codec<KnownMet>, value: KnownMet): Promise<Figures> {
  const executor = args.executor === "inline" ? "inline" : "sliced";
  const writer = createPersistenceWriter({ sink: createFsSink({ dir }), executor });
  const handle = writer.register("known.met", { snapshot: () => value, codec });
  await settle();
  const monitor = createStallMonitor();
  monitor.start();
  const result = await handle.saveNow("profile");
  const report = monitor.stop();
  await writer.close();
  if (!result.ok) throw result.error;
  return figuresOf(report, result.timings.totalMs);
}

async function idleOnce(ms: number): Promise<Figures> {
  await settle();
  const monitor = createStallMonitor();
  monitor.start();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return figuresOf(monitor.stop(), 0);
}

const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

function line(name: string, list: readonly Figures[]): string {
  const m = (pick: (f: Figures) => number): string => median(list.map(pick)).toFixed(1);
  const worst = Math.max(...list.map((f) => f.gcMaxMs)).toFixed(1);
  return `${name.padEnd(22)} max ${m((f) => f.maxMs)} ms, p99 ${m((f) => f.p99Ms)} ms, GCs ${m((f) => f.gcCount)}, longest GC ${m((f) => f.gcMaxMs)} ms (worst ${worst}), GC total ${m((f) => f.gcTotalMs)} ms, save ${m((f) => f.saveMs)} ms`;
}

async function main(): Promise<void> {
  const records = positiveArg("records", args.records);
  const rounds = positiveArg("rounds", args.rounds);
  const { value, codecs } = await chunkPoolVariants(records, Number(args.seed));
  const dir = await mkdtemp(join(tmpdir(), "chunk-pool-profile-"));
  const figures = new Map<string, Figures[]>();
  const add = (key: string, f: Figures): void => {
    figures.set(key, [...(figures.get(key) ?? []), f]);
  };
  if (args.executor !== "inline" && args.executor !== "sliced") {
    throw new RangeError(`--executor must be inline or sliced, got ${args.executor}`);
  }
  process.stdout.write(
    `load ${loadavg()[0]?.toFixed(2)}, ${records} records, ${rounds} rounds, ${args.executor} executor\n`,
  );
  try {
    // A warm-up save of each, so the pooled codec starts a round with its pool filled.
    for (const codec of Object.values(codecs)) await saveOnce(dir, codec, value);
    for (let round = 0; round < rounds; round++) {
      const names = Object.keys(codecs);
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        // A marker for node's --trace-gc lines that follow it.
        process.stdout.write(`round ${round + 1}: ${name}\n`);
        add(name, await saveOnce(dir, codecs[name] as Codec<KnownMet>, value));
      }
      const saveMs = median((figures.get("pooled chunks") ?? []).map((f) => f.saveMs));
      process.stdout.write(`round ${round + 1}: control\n`);
      add("control (no save)", await idleOnce(Math.max(100, Math.round(saveMs))));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const [key, list] of figures) process.stdout.write(`${line(key, list)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
});
