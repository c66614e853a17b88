// Goal 5 on its own: the bench's many-targets pass (many-targets-pass.ts), the writer and the sink
// alone in alternating rounds (the writer first in even rounds). Per pass: wall time, mean sink
// writes in flight, process CPU per target split into system time, the main thread's and the other
// threads' (libuv's pool, V8's helpers; Linux). `--count-fs` counts the file-system calls each side
// makes per target (through a wrapped fs handed to sink-fs); `--memory-fs` hands sink-fs testkit's
// in-memory file system instead, leaving only the JavaScript of both sides; `--side writer|sink`
// runs one side only, for `node --cpu-prof`. Run: npm run build -w @snapwrite/bench && npm run
// profile:targets -w @snapwrite/bench [-- --targets 4000 --rounds 6 --count-fs]

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { FsPort } from "@snapwrite/core";
import { createMemoryFs } from "@snapwrite/testkit";
import { recordGcs } from "./gc-attribution.js";
import { createInFlightMeter } from "./in-flight-meter.js";
import { positiveArg } from "./keyed-bench-store.js";
import { createCountingFs, type FsCallCounts } from "./many-targets-fs-count.js";
import {
  type ManyTargetsPassInput,
  type PassTime,
  sinkPass,
  writerPass,
} from "./many-targets-pass.js";
import { median } from "./percentile.js";
import { loadSnapwriteModules } from "./snapwrite-modules.js";

const { values: args } = parseArgs({
  options: {
    targets: { type: "string", default: "4000" },
    rounds: { type: "string", default: "6" },
    concurrency: { type: "string", default: "16" },
    bytes: { type: "string", default: "256" },
    side: { type: "string", default: "both" },
    "count-fs": { type: "boolean", default: false },
    "memory-fs": { type: "boolean", default: false },
  },
  strict: true,
});

type Side = "writer" | "sink";

interface SideRun extends PassTime {
  readonly calls: FsCallCounts | undefined;
  /** Mean `sink.write` calls in flight. */
  readonly inFlight: number;
  /** Main-thread pause of the garbage collections while the pass's clock ran, ms. */
  readonly gcMs: number;
}

/** Lets the GC observer's entries of the pass arrive (they are delivered on a later turn). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function sidesOf(side: string | undefined): readonly Side[] {
  if (side === "both") return ["writer", "sink"];
  if (side === "writer" || side === "sink") return [side];
  throw new TypeError(`--side must be both, writer or sink, got ${side}`);
}

const perTarget = (counts: FsCallCounts, targets: number): string =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${(n / targets).toFixed(2)}`)
    .join(", ");

async function main(): Promise<void> {
  const targets = positiveArg("targets", args.targets);
  const rounds = positiveArg("rounds", args.rounds);
  const sides = sidesOf(args.side);
  const modules = await loadSnapwriteModules();
  const { createFsSink, createPersistenceWriter } = modules;
  if (!createFsSink || !createPersistenceWriter)
    throw new Error("no createFsSink/createPersistenceWriter");
  const root = await mkdtemp(join(tmpdir(), "snapwrite-targets-"));
  const counting = args["count-fs"] ? createCountingFs() : undefined;
  // Both sides' sinks are wrapped the same way, so the wrapper costs both the same.
  const meter = createInFlightMeter();
  // A fresh in-memory file system per pass: the passes' JavaScript alone, no kernel, no disk.
  const fsOf = (): FsPort | undefined => (args["memory-fs"] ? createMemoryFs() : counting?.fs);
  const input: ManyTargetsPassInput = {
    createFsSink: (options) =>
      meter.wrap(createFsSink({ ...options, fs: fsOf() } as typeof options)),
    createPersistenceWriter,
    root,
    count: targets,
    concurrency: positiveArg("concurrency", args.concurrency),
    bytesPerTarget: positiveArg("bytes", args.bytes),
  };
  const runs: Record<Side, SideRun[]> = { writer: [], sink: [] };
  const gcs = recordGcs();
  const runSide = async (side: Side): Promise<void> => {
    counting?.reset();
    meter.reset();
    await nextTurn();
    gcs.take();
    const time: PassTime & { failures?: number } =
      side === "writer" ? await writerPass(input) : await sinkPass(input);
    if (time.failures) throw new Error(`${time.failures} writes failed`);
    await nextTurn();
    const gcMs = gcs
      .take()
      .filter((gc) => gc.startMs >= time.startMs && gc.endMs <= time.endMs)
      .reduce((sum, gc) => sum + (gc.endMs - gc.startMs), 0);
    runs[side].push({ ...time, calls: counting?.counts(), inFlight: meter.mean(), gcMs });
  };
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) await runSide(side);
      const line = sides.map((side) => {
        const run = runs[side].at(-1) as SideRun;
        const cpuUs = Math.round((run.cpuMs * 1000) / targets);
        const sysUs = Math.round((run.systemMs * 1000) / targets);
        const split = run.threads
          ? `, main thread ${Math.round((run.threads.main * 1000) / targets)} (${Math.round((run.threads.mainSystem * 1000) / targets)} system), others ${Math.round((run.threads.others * 1000) / targets)}`
          : "";
        const gcUs = Math.round((run.gcMs * 1000) / targets);
        return `${side} ${Math.round(run.ms)} ms, ${run.inFlight.toFixed(1)} in flight, ${cpuUs} µs CPU/target (${sysUs} system${split}; GC pauses ${gcUs})`;
      });
      process.stdout.write(`round ${round + 1} (${order[0]} first): ${line.join("; ")}\n`);
    }
    for (const side of sides) {
      const ms = median(runs[side].map((r) => r.ms));
      const cpuUs = Math.round((median(runs[side].map((r) => r.cpuMs)) * 1000) / targets);
      const sysUs = Math.round((median(runs[side].map((r) => r.systemMs)) * 1000) / targets);
      const rate = Math.round(targets / (ms / 1000));
      const mainUs = Math.round(
        (median(runs[side].map((r) => r.threads?.main ?? 0)) * 1000) / targets,
      );
      const gcUs = Math.round((median(runs[side].map((r) => r.gcMs)) * 1000) / targets);
      process.stdout.write(
        `${side}: median ${Math.round(ms)} ms = ${rate} targets/s, ${cpuUs} µs CPU/target (${sysUs} system, main thread ${mainUs}, GC pauses ${gcUs})\n`,
      );
      const calls = runs[side][0]?.calls;
      if (calls) process.stdout.write(`  fs calls per target: ${perTarget(calls, targets)}\n`);
    }
    if (sides.length === 2) {
      const ratios = runs.writer.map((w, i) => ((runs.sink[i] as SideRun).ms / w.ms).toFixed(2));
      const ratio = median(runs.sink.map((r) => r.ms)) / median(runs.writer.map((r) => r.ms));
      process.stdout.write(
        `writer/sink rate ratio: ${ratio.toFixed(2)}× (per round ${ratios.join(", ")})\n`,
      );
    }
  } finally {
    gcs.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
