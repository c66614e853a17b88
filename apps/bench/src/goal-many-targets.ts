import {
  allReached,
  type GoalCheckLine,
  type GoalInputs,
  type GoalVerdict,
} from "./goal-support.js";
import type { ManyTargetsResult } from "./many-targets.js";

/** Goal 5: one writer flushes many dirty targets about as fast as the sink alone. */
export function goalManyTargets(input: GoalInputs): GoalVerdict {
  const m = input.manyTargets;
  const checks: GoalCheckLine[] = [];
  if (m) {
    const rateOk = m.ratio >= 0.9 && m.failures === 0;
    const boundOk = m.writerMaxInFlight <= m.concurrency;
    checks.push({
      label: `${m.targets} dirty targets, sink-fs`,
      measured: `writer ${m.writerTargetsPerSec} targets/s (${m.writerMs} ms) vs the sink alone ${m.sinkTargetsPerSec} targets/s (${m.sinkMs} ms, ${m.concurrency} at a time) = ${m.ratio}×${rateOk ? "" : " ✗"}, medians of ${m.rounds.length} alternating rounds${m.segments > 1 ? ` of ${m.segments} alternating segments each` : ""} (per round ${m.rounds.map((r) => `${r.ratio}×`).join(", ")}); process CPU per target ${m.writerCpuUsPerTarget} µs through the writer vs ${m.sinkCpuUsPerTarget} µs the sink alone${m.failures ? `, ${m.failures} failed` : ""}`,
      reached: rateOk,
    });
    checks.push({
      label: "bounded concurrency",
      measured: `${m.writerMaxInFlight} sink writes in flight at most (asked ${m.concurrency}; ${!m.concurrencyOptionAccepted ? "the writer refused the `concurrency` option" : boundOk ? "the writer honours `concurrency`" : "the writer ignores the `concurrency` option"})${boundOk ? "" : " ✗"}`,
      reached: boundOk,
    });
  }
  const reached = allReached(checks);
  const slow = reached === false && m !== undefined && m.writerMaxInFlight <= m.concurrency;
  return {
    id: 5,
    name: "Writer with many targets",
    target:
      "10,000 dirty targets (the full run; the quick run fewer per round) flush at ≥ 0.9× the sink's own rate (same concurrency, medians of alternating rounds) with at most `concurrency` writes in flight",
    reached,
    checks,
    why:
      reached === false && m && m.writerMaxInFlight > m.concurrency
        ? `the writer starts every due target's write at once (${m.writerMaxInFlight} in flight)`
        : slow
          ? slowWhy(m)
          : undefined,
    toClose:
      reached === false && m && m.writerMaxInFlight > m.concurrency
        ? "a bounded write-concurrency option in createPersistenceWriter (the bench passes `concurrency` already)"
        : slow
          ? slowToClose(m)
          : undefined,
  };
}

/** Where the writer's extra CPU per target went: its own JavaScript (main thread) or elsewhere. */
function cpuSplit(m: ManyTargetsResult): { extraUs: number; extraMainUs: number } | undefined {
  const { writerMainUsPerTarget: wMain, sinkMainUsPerTarget: sMain } = m;
  if (wMain === undefined || sMain === undefined) return undefined;
  return { extraUs: m.writerCpuUsPerTarget - m.sinkCpuUsPerTarget, extraMainUs: wMain - sMain };
}

/** The measured reason of a missed rate, from the rounds' spread and the CPU split. */
function slowWhy(m: ManyTargetsResult): string {
  const ratios = m.rounds.map((r) => r.ratio);
  const spread = `the rounds gave ${Math.min(...ratios)}–${Math.max(...ratios)}×`;
  const split = cpuSplit(m);
  if (split === undefined) return `the writer's per-target overhead lowers the rate (${spread})`;
  const main = `main thread ${m.writerMainUsPerTarget} µs per target through the writer vs ${m.sinkMainUsPerTarget} µs the sink alone`;
  if (split.extraUs > 0 && split.extraMainUs >= split.extraUs / 2) {
    return `the writer's own per-target work on the main thread: ${main}, of ${split.extraUs} µs more process CPU per target (${spread})`;
  }
  return `the writer's extra ${split.extraUs} µs of process CPU per target is not its own JavaScript (${main}): it is in the file-system calls and V8's helper threads, which the two sides make alike, so the machine's state moved between their segments (${spread})`;
}

function slowToClose(m: ManyTargetsResult): string {
  const split = cpuSplit(m);
  if (split !== undefined && !(split.extraUs > 0 && split.extraMainUs >= split.extraUs / 2)) {
    return "a quieter machine (repeat the run; `npm run profile:targets -w @snapwrite/bench` runs this goal alone), then less per-write work in the writer if the main-thread gap remains";
  }
  return "less per-write work in the writer (`npm run profile:targets -w @snapwrite/bench -- --side writer` under `node --cpu-prof` shows where)";
}
