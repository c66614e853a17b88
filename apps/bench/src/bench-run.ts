import type { BenchOptions } from "./cli-options.js";
import type { JsonCodecComparison, WarmLoadComparison } from "./codec-goals.js";
import type { CodecThroughput } from "./codec-throughput.js";
import type { Contender } from "./contenders/contender.js";
import type { EndToEndRatio } from "./end-to-end-ratio.js";
import type { FsCounters } from "./fs-counters.js";
import { type KnownFileSpec, knownFileSpecAt } from "./known-file-workload.js";
import type { ManyTargetsResult } from "./many-targets.js";
import { measureRun } from "./measure-run.js";
import type { PatchCost } from "./patch-cost.js";
import type { Progress } from "./progress.js";
import { bucketTrace, type SvgTraceSeries } from "./render-svg.js";
import type { RunResult } from "./run-result.js";
import type { StallTrace } from "./stall-monitor.js";
import type { Workload } from "./workload.js";

const TRACE_BUCKET_MS = 20;
const TRACED_CONTENDERS = [
  "control-no-save",
  "naive-sync",
  "snapwrite-sliced-fs",
  "snapwrite-worker-fs",
];

/** Everything the bench measured, for the goals and the results file. */
export interface Collected {
  readonly runs: RunResult[];
  readonly codecs: Array<CodecThroughput & { records: number }>;
  readonly bare: EndToEndRatio[];
  readonly jsonCodec: JsonCodecComparison[];
  readonly warmLoads: WarmLoadComparison[];
  manyTargets: ManyTargetsResult | undefined;
  readonly patchCosts: Array<PatchCost & { records: number }>;
  traces: { workload: string; series: SvgTraceSeries[] } | undefined;
}

/** What every phase of the bench works with. */
export interface BenchContext {
  readonly counters: FsCounters;
  readonly root: string;
  readonly progress: Progress;
  readonly options: BenchOptions;
  readonly collected: Collected;
  readonly timeoutMs: number;
}

/** Bytes as decimal megabytes, for progress lines. */
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** How long the periodic workload runs and how often it saves, by state size. */
export function periodicTiming(records: number): { durationMs: number; saveEveryMs: number } {
  return records >= 500_000
    ? { durationMs: 10_000, saveEveryMs: 2_000 }
    : { durationMs: 3_000, saveEveryMs: 500 };
}

/** Whether `--only` selects any of `ids`. */
export function matches(options: BenchOptions, ...ids: string[]): boolean {
  return options.only === undefined || ids.some((id) => id.includes(options.only ?? ""));
}

/** Runs `workload` with every selected contender, collecting results and stall traces. */
export async function runWorkload<T>(
  workload: Workload<T>,
  contenders: readonly Contender[],
  context: BenchContext,
): Promise<void> {
  const traces: SvgTraceSeries[] = [];
  for (const contender of contenders) {
    if (!matches(context.options, workload.id, contender.id)) continue;
    const { result, trace } = await measureRun(
      workload,
      contender,
      context.counters,
      context.root,
      context.timeoutMs,
    );
    context.collected.runs.push(result);
    context.progress.step(
      result.available
        ? `${workload.id} · ${contender.id}: max stall ${result.maxStallMs} ms, p99 ${result.p99StallMs} ms, total ${result.totalMs} ms, ${result.physicalWrites} writes, ${result.fsyncs} fsyncs, final ${result.finalStateOk === null ? "n/a" : result.finalStateOk ? "ok" : "NOT ok"}${result.note ? ` (${result.note})` : ""}`
        : `${workload.id} · ${contender.id}: not available (${result.note})`,
    );
    if (trace && TRACED_CONTENDERS.includes(contender.id)) {
      traces.push({ label: contender.id, points: toPoints(trace) });
    }
  }
  if (workload.trace && traces.length > 0) {
    context.collected.traces = { workload: workload.id, series: traces };
  }
}

function toPoints(trace: StallTrace): Array<[number, number]> {
  return bucketTrace(trace.atMs, trace.gapMs, 1, TRACE_BUCKET_MS);
}

/** Builds `count` items from the seeded specs without keeping the specs. */
export function buildItems<I>(
  count: number,
  seed: number,
  toItem: (spec: KnownFileSpec) => I,
): I[] {
  const items: I[] = new Array(count);
  for (let i = 0; i < count; i++) items[i] = toItem(knownFileSpecAt(i, seed));
  return items;
}

/** Idle window of the control run beside a single save: about as long as a save of that size. */
export const singleSaveControlMs = (records: number): number => (records >= 500_000 ? 2_000 : 500);
