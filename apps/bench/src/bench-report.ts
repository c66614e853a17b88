import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Collected, mb } from "./bench-run.js";
import type { BenchOptions } from "./cli-options.js";
import { formatGoals, wrap } from "./format-goals.js";
import { formatTable } from "./format-table.js";
import { countLabel, type GoalVerdict } from "./goal-support.js";
import type { Progress } from "./progress.js";
import { renderChartSvg, type SvgBar } from "./render-svg.js";
import type { RequestCost } from "./request-cost.js";
import type { RunResult } from "./run-result.js";
import type { SnapwriteModules } from "./snapwrite-modules.js";

/** What a finished bench run reports. */
export interface BenchReport {
  readonly options: BenchOptions;
  readonly modules: SnapwriteModules;
  readonly collected: Collected;
  readonly requestCost: RequestCost | undefined;
  readonly goals: readonly GoalVerdict[];
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly loadAtStart: readonly number[];
}

/** Prints the results table, the codec and end-to-end lines and the goals. */
export function printSummary(collected: Collected, goals: readonly GoalVerdict[]): void {
  process.stdout.write(`\n${formatTable(collected.runs)}\n\n`);
  process.stdout.write("Codecs (best of repeats; MB = 10^6 bytes):\n");
  for (const c of collected.codecs) {
    process.stdout.write(
      `${wrap(`  ${c.codec} ${countLabel(c.records)}: ${mb(c.bytes)} in ${c.chunks} chunks; encode ${c.encodeMs} ms = ${c.encodeMBps} MB/s; decode ${c.decodeMs} ms = ${c.decodeMBps} MB/s`, 120, "    ")}\n`,
    );
  }
  for (const b of collected.bare) {
    process.stdout.write(
      `${wrap(`  end-to-end ${countLabel(b.records)} (${mb(b.bytes)}): bare writev+fsync+rename ${b.bareMs} ms; snapwrite sliced ${b.slicedMs ?? "n/a"} ms (${b.ratioSliced ?? "n/a"}×), inline ${b.inlineMs ?? "n/a"} ms (${b.ratioInline ?? "n/a"}×)`, 120, "    ")}\n`,
    );
  }
  process.stdout.write(
    `\nGoals (ratios against the control run or the reference of this same run; details in the JSON):\n${formatGoals(goals)}\n`,
  );
}

/**
 * Writes `latest.json` and `latest.svg` (or the `-full` pair) to `results/local`, or to `results`
 * when the committed reference is to be updated.
 */
export async function saveResults(report: BenchReport, progress: Progress): Promise<void> {
  const { options, modules, collected, requestCost, goals, startedAt, durationMs } = report;
  const loadAtStart = report.loadAtStart;
  const here = dirname(fileURLToPath(import.meta.url));
  // Local runs go to an ignored folder; the committed reference changes only on request.
  const resultsDir = options.updateReference
    ? resolve(here, "..", "results")
    : resolve(here, "..", "results", "local");
  await mkdir(resultsDir, { recursive: true });
  const cpuList = cpus();
  const meta = {
    startedAt: startedAt.toISOString(),
    durationMs,
    mode: options.full ? "full" : "quick",
    recordCounts: options.recordCounts,
    only: options.only ?? null,
    seed: options.seed,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? "unknown",
    totalMemoryGb: Number((totalmem() / 2 ** 30).toFixed(1)),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(2))),
    tmpdir: tmpdir(),
    unavailable: modules.missing,
    methods: {
      stall:
        "max of monitorEventLoopDelay({resolution:1}) (minus the resolution) and a 1 ms setInterval tick-gap monitor; p99 over tick delays corrected for coordinated omission",
      ownerMs:
        "time inside the owner's save calls (sync save, or library call incl. serialization, or request())",
      totalMs: "first save call until every save has resolved/stored",
      io: "in-process wrappers around node:fs, node:fs/promises and FileHandle.prototype installed before any contender is imported; physicalWrites = files opened for writing + path-based writeFile calls; fsyncs include directory fsyncs",
      memory:
        "process.memoryUsage() sampled every 5 ticks (and right after the owner's calls); extraRssMb = peak RSS - RSS at the start of the run (after gc); extraHeapMb = peak (heapUsed + external) - start",
    },
  };
  const latest = {
    meta,
    runs: collected.runs,
    codecs: collected.codecs,
    endToEnd: collected.bare,
    jsonCodec: collected.jsonCodec,
    warmLoads: collected.warmLoads,
    manyTargets: collected.manyTargets ?? null,
    patchCosts: collected.patchCosts,
    requestCost: requestCost ?? null,
    goals,
  };
  const baseName = options.full ? "latest-full" : "latest";
  await writeFile(join(resultsDir, `${baseName}.json`), `${JSON.stringify(latest, null, 2)}\n`);
  const svg = renderChartSvg({
    title: "snapwrite bench: max event-loop stall per contender",
    subtitle: `${meta.mode} run, ${options.recordCounts.join(" + ")} records, Node ${process.version}, ${meta.cpus} × ${meta.cpuModel}, ${startedAt.toISOString()}`,
    groups: groupBars(collected.runs),
    traceTitle: collected.traces
      ? `Stall over time: ${collected.traces.workload} (owner mutates every 1 ms)`
      : "Stall over time: not available",
    traces: collected.traces?.series ?? [],
  });
  await writeFile(join(resultsDir, `${baseName}.svg`), svg);
  progress.step(`wrote ${join(resultsDir, `${baseName}.json`)} and ${baseName}.svg`);
}

function groupBars(runs: readonly RunResult[]) {
  const groups = new Map<string, SvgBar[]>();
  for (const run of runs) {
    let bars = groups.get(run.workload);
    if (!bars) {
      bars = [];
      groups.set(run.workload, bars);
    }
    bars.push({
      label: run.contender,
      value: run.available && !run.note ? run.maxStallMs : null,
      // Stores, but never called fsync: a power loss can lose or tear what it "saved".
      notDurable: run.available && run.finalStateOk !== null && run.fsyncs === 0,
    });
  }
  return [...groups].map(([title, bars]) => ({ title, bars }));
}
