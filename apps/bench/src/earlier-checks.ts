import { type Collected, mb } from "./bench-run.js";
import {
  countLabel,
  EXTRA_MEMORY_BUDGET_MB,
  type GoalCheckLine,
  type GoalVerdict,
} from "./goal-support.js";
import type { RequestCost } from "./request-cost.js";

/**
 * The checks of the earlier goals, kept for comparison with the committed results: end-to-end save
 * vs a bare write, `request()` cost, bounded memory, known.met encode throughput.
 */
export function earlierChecks(
  collected: Collected,
  requestCost: RequestCost | undefined,
  recordCounts: readonly number[],
): GoalVerdict {
  const records = Math.max(...recordCounts);
  const label = countLabel(records);
  const checks: GoalCheckLine[] = [];
  const bare = collected.bare.find((b) => b.records === records);
  checks.push({
    label: `end-to-end known.met save ${label} vs bare writev + fsync + rename (≤ 1.5×)`,
    measured:
      bare?.ratioSliced != null
        ? `sliced ${bare.ratioSliced}× (${bare.slicedMs} vs ${bare.bareMs} ms, medians of ${bare.rounds}), inline ${bare.ratioInline}×`
        : "not measured",
    reached: bare?.ratioSliced != null ? bare.ratioSliced <= 1.5 : null,
  });
  checks.push({
    label: "request() cost (< 1 µs)",
    measured: requestCost
      ? `${requestCost.meanNs} ns mean over ${requestCost.calls} calls`
      : "not measured",
    reached: requestCost ? requestCost.meanNs < 1000 : null,
  });
  const inFlight = bare?.inFlightPeakBytes ?? null;
  checks.push({
    label: `encoded bytes in flight during a ${label} known.met save (≤ ${EXTRA_MEMORY_BUDGET_MB} MB)`,
    measured:
      inFlight !== null
        ? `${mb(inFlight)} at most for a ${mb(bare?.bytes ?? 0)} file`
        : "not measured",
    reached: inFlight !== null ? inFlight <= EXTRA_MEMORY_BUDGET_MB * 1e6 : null,
  });
  const metCodec = collected.codecs.find((c) => c.codec === "known.met" && c.records === records);
  checks.push({
    label: `known.met encode ${label} (≥ 1000 MB/s)`,
    measured: metCodec ? `${metCodec.encodeMBps} MB/s` : "not measured",
    reached: metCodec ? metCodec.encodeMBps >= 1000 : null,
  });
  const measured = checks.filter((c) => c.reached !== null);
  return {
    id: 0,
    name: "Earlier checks",
    target:
      "end-to-end ≤ 1.5× a bare write, request() < 1 µs, bounded bytes in flight, encode ≥ 1 GB/s",
    reached: measured.length === 0 ? null : measured.every((c) => c.reached),
    checks,
  };
}
