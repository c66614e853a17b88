import { type RunResult, unavailableResult } from "../src/run-result.js";

/** An available run of `contender` on `workload`: small stalls, final state ok, then `extra`. */
export function run(workload: string, contender: string, extra: Partial<RunResult>): RunResult {
  return {
    ...unavailableResult(workload, contender, ""),
    available: true,
    note: undefined,
    maxStallMs: 1,
    p99StallMs: 0.5,
    gcMaxPauseMs: 0,
    finalStateOk: true,
    fsyncs: 2,
    ...extra,
  };
}
