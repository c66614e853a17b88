import {
  allReached,
  countLabel,
  find,
  type GoalCheckLine,
  type GoalInputs,
  type GoalVerdict,
  ms,
} from "./goal-support.js";
import type { RunResult } from "./run-result.js";
import { formatStallCauses, type StallCauses } from "./step-log.js";

function mergeCauses(runs: readonly RunResult[]): StallCauses {
  const byCause: Record<string, { count: number; ms: number; maxMs: number }> = {};
  for (const run of runs) {
    for (const [name, e] of Object.entries(run.stallCauses?.byCause ?? {})) {
      const into = byCause[name] ?? { count: 0, ms: 0, maxMs: 0 };
      into.count += e.count;
      into.ms = Number((into.ms + e.ms).toFixed(1));
      into.maxMs = Math.max(into.maxMs, e.maxMs);
      byCause[name] = into;
    }
  }
  return { thresholdMs: 5, byCause, longest: [] };
}

const CLOSE_BY_CAUSE: Record<string, string> = {
  GC: "fewer allocations on the owner's heap during a save (chunk buffers recycled through a pool, a snapshot without an O(n) copy), or the worker executor, whose stalls follow the control run",
  snapshot:
    "a snapshot without an O(n) copy (a persistent structure, or the worker replica's point patches)",
  encode: "smaller encode steps (a codec step that yields sooner, or a smaller slice budget)",
  "save call": "a cheaper save call on the owner thread",
  mutation: "nothing in the writer: the owner's own mutations stall (the control run shows it too)",
  unattributed:
    "a quieter machine or more cores: nothing the bench names was running (the OS took the CPU, or sink I/O callbacks)",
};

/** Goal 1: saving adds no event-loop stall beyond the control run. */
export function goalNoStall(input: GoalInputs): GoalVerdict {
  const checks: GoalCheckLine[] = [];
  const slicedRuns: RunResult[] = [];
  for (const records of input.recordCounts) {
    const label = countLabel(records);
    for (const kind of ["known.met save", "known.met periodic", "json save", "json periodic"]) {
      const workload = `${kind} ${label}`;
      const sliced = find(input.runs, workload, "snapwrite-sliced-fs");
      const control = find(input.runs, workload, "control-no-save");
      if (!sliced || !control || sliced.maxStallMs === null || control.maxStallMs === null) {
        checks.push({ label: workload, measured: "not measured", reached: null });
        continue;
      }
      slicedRuns.push(sliced);
      const maxOk = sliced.maxStallMs <= control.maxStallMs + 1;
      const p99Ok = (sliced.p99StallMs ?? 0) <= (control.p99StallMs ?? 0) + 1;
      const gcOk = (sliced.gcMaxPauseMs ?? 0) <= (control.gcMaxPauseMs ?? 0);
      checks.push({
        label: workload,
        measured: `max ${ms(sliced.maxStallMs)} vs control ${ms(control.maxStallMs)}${maxOk ? "" : " ✗"}, p99 ${ms(sliced.p99StallMs)} vs ${ms(control.p99StallMs)}${p99Ok ? "" : " ✗"}, longest GC ${ms(sliced.gcMaxPauseMs)} vs ${ms(control.gcMaxPauseMs)}${gcOk ? "" : " ✗"}; stalls > 5 ms: ${formatStallCauses(sliced.stallCauses)}`,
        reached: maxOk && p99Ok && gcOk,
      });
    }
  }
  const reached = allReached(checks);
  const causes = mergeCauses(slicedRuns);
  const ranked = Object.entries(causes.byCause).sort((a, b) => b[1].ms - a[1].ms);
  const top = ranked[0]?.[0];
  return {
    id: 1,
    name: "Saving adds no stall (default sliced executor)",
    target:
      "sliced max and p99 stall ≤ the control run's + 1 ms, longest GC pause ≤ the control's, for known.met and JSON, single and periodic saves",
    reached,
    checks,
    why:
      reached === false
        ? `stalls > 5 ms in the sliced runs, by cause: ${formatStallCauses(causes)}`
        : undefined,
    toClose: reached === false && top ? CLOSE_BY_CAUSE[top] : undefined,
  };
}
