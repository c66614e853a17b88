import type { JsonCodecComparison, WarmLoadComparison } from "./codec-goals.js";
import type { CodecThroughput } from "./codec-throughput.js";
import type { ManyTargetsResult } from "./many-targets.js";
import type { PatchCost } from "./patch-cost.js";
import type { RunResult } from "./run-result.js";

/** Encoded bytes a save may hold in flight: a few chunk buffers (≤ 1 MiB each) plus one writev batch. */
export const EXTRA_MEMORY_BUDGET_MB = 16;

/** One measured check that counts towards a goal. */
export interface GoalCheckLine {
  /** What was compared: `"known.met periodic 100k"`. */
  readonly label: string;
  /** The figures, with the control run or the reference beside them. */
  readonly measured: string;
  /** True when reached, false when missed, null when not measured. */
  readonly reached: boolean | null;
}

/** One goal and how this run did against it. */
export interface GoalVerdict {
  /** 1–5 for the goals of the bench; 0 for the earlier checks kept for comparison. */
  readonly id: number;
  /** A name a user understands: "Saving adds no stall". */
  readonly name: string;
  /** The target, in words. */
  readonly target: string;
  /** True when every check is reached, false when one is missed, null when nothing was measured. */
  readonly reached: boolean | null;
  /** The checks, one per size/workload. */
  readonly checks: readonly GoalCheckLine[];
  /** Why it is missed, from the measurements (missed goals only). */
  readonly why?: string | undefined;
  /** What would close it (missed goals only). */
  readonly toClose?: string | undefined;
}

/** What the goals are evaluated from. */
export interface GoalInputs {
  readonly runs: readonly RunResult[];
  readonly codecs: readonly (CodecThroughput & { records: number })[];
  readonly jsonCodec: readonly JsonCodecComparison[];
  readonly warmLoads: readonly WarmLoadComparison[];
  readonly manyTargets: ManyTargetsResult | undefined;
  /** Owner cost of one worker-replica patch, per record count (absent: not measured). */
  readonly patchCosts?: readonly (PatchCost & { records: number })[];
  readonly recordCounts: readonly number[];
  /** Names of generic keyed/JSON replica factories the packages export (empty: none). */
  readonly genericReplicaExports: readonly string[];
}

/** `100k`, `1M`. */
export const countLabel = (records: number): string =>
  records >= 1_000_000 ? `${records / 1_000_000}M` : `${records / 1000}k`;

/** A duration for a check line; `?` when unknown. */
export const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? "?" : `${Number(value.toFixed(1))} ms`;

/** `+7%`, `-3%`: a cost ratio as a change. */
export const pct = (ratio: number): string => {
  const p = Math.round((ratio - 1) * 100);
  return `${p >= 0 ? "+" : ""}${p}%`;
};

/** True when every measured check is reached, null when none was measured. */
export function allReached(checks: readonly GoalCheckLine[]): boolean | null {
  const measured = checks.filter((c) => c.reached !== null);
  if (measured.length === 0) return null;
  return measured.every((c) => c.reached);
}

/** The available run of `contender` on `workload`. */
export function find(runs: readonly RunResult[], workload: string, contender: string) {
  return runs.find((r) => r.workload === workload && r.contender === contender && r.available);
}
