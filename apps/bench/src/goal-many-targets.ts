import {
  allReached,
  type GoalCheckLine,
  type GoalInputs,
  type GoalVerdict,
} from "./goal-support.js";

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
        : reached === false
          ? "the writer's per-target overhead lowers the rate"
          : undefined,
    toClose:
      reached === false && m && m.writerMaxInFlight > m.concurrency
        ? "a bounded write-concurrency option in createPersistenceWriter (the bench passes `concurrency` already)"
        : reached === false
          ? "less per-write work in the writer"
          : undefined,
  };
}
