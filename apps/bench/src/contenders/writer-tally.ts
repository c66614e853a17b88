import type { WriteResult } from "@snapwrite/core";
import type { WriterReport } from "./contender.js";

/** Sums the write results a snapwrite writer reports into a {@link WriterReport}. */
export interface WriterTally {
  /** Adds one result (pass it as the writer's `onResult`). */
  add(result: WriteResult): void;
  /** The sums so far, as a copy. */
  report(): WriterReport;
}

/** Creates a tally with every sum at zero. */
export function createWriterTally(): WriterTally {
  const sums = { results: 0, failures: 0, snapshotMs: 0, encodeMs: 0, writeMs: 0, totalMs: 0 };
  return {
    add(result) {
      sums.results++;
      if (!result.ok) sums.failures++;
      sums.snapshotMs += result.timings.snapshotMs;
      sums.encodeMs += result.timings.encodeMs;
      sums.writeMs += result.timings.writeMs;
      sums.totalMs += result.timings.totalMs;
    },
    report: () => ({ ...sums }),
  };
}
