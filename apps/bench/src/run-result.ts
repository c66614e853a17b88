import type { WriterReport } from "./contenders/contender.js";
import type { StallCauses } from "./step-log.js";

/** One row of `results/latest.json`: one workload run by one contender. Metrics are `null` when not measured. */
export interface RunResult {
  /** Workload id. */
  readonly workload: string;
  /** Contender id. */
  readonly contender: string;
  /** False when the contender could not run here (its package is missing); see `note`. */
  readonly available: boolean;
  /** Largest event-loop stall, ms (max of both monitors). */
  readonly maxStallMs: number | null;
  /** 99th percentile stall, ms (1 ms tick delays, corrected for coordinated omission). */
  readonly p99StallMs: number | null;
  /** Time inside the owner's save calls, ms (summed over `ownerCalls`). */
  readonly ownerMs: number | null;
  /** From the first save call until everything is stored, ms. */
  readonly totalMs: number | null;
  /** Files written (opened for writing, or path-based writeFile calls). */
  readonly physicalWrites: number | null;
  /** fsync/fdatasync calls, files and directories. */
  readonly fsyncs: number | null;
  /** Bytes written. */
  readonly bytes: number | null;
  /** Largest sampled RSS during the run, MB. */
  readonly peakRssMb: number | null;
  /** The stored content decodes to exactly the last state. */
  readonly finalStateOk: boolean | null;
  /** Owner's save calls. */
  readonly ownerCalls: number | null;
  /** Peak RSS minus RSS at the start of the run, MB. */
  readonly extraRssMb: number | null;
  /** Peak of JS heap used + external memory minus its value at the start of the run, MB. */
  readonly extraHeapMb: number | null;
  /** A replica worker's own peak JS heap used + external memory (its isolate only), MB. */
  readonly workerMemoryMb?: number | undefined;
  /** The same peak for an idle worker of the same module (empty replica), the control, MB. */
  readonly workerFloorMb?: number | undefined;
  /** `monitorEventLoopDelay` max and p99 minus its resolution, ms. */
  readonly eldMaxMs: number | null;
  readonly eldP99Ms: number | null;
  /** write/writev/writeFile calls carrying data. */
  readonly writeCalls: number | null;
  /** rename calls. */
  readonly renames: number | null;
  /** Garbage collections during the run, their longest pause and their summed pauses (ms). */
  readonly gcCount: number | null;
  readonly gcMaxPauseMs: number | null;
  readonly gcTotalMs: number | null;
  /** Times the OS preempted the process during the run (load from elsewhere on the machine). */
  readonly involuntaryContextSwitches: number | null;
  /** Mutations the owner made (mutating workload). */
  readonly mutations: number | null;
  /** snapwrite only: sums of the timings its write results reported. */
  readonly writer?: WriterReport | undefined;
  /** Every stall longer than 5 ms, attributed to GC, a named step of the owner, or nothing. */
  readonly stallCauses?: StallCauses | undefined;
  /** Time the owner's event loop was busy during the run (event-loop utilization), ms. */
  readonly ownerActiveMs?: number | undefined;
  /** Why it did not run, or what failed. */
  readonly note?: string | undefined;
}

/** A row for a contender that cannot run (or failed before measuring). */
export function unavailableResult(workload: string, contender: string, note: string): RunResult {
  return {
    workload,
    contender,
    available: false,
    maxStallMs: null,
    p99StallMs: null,
    ownerMs: null,
    totalMs: null,
    physicalWrites: null,
    fsyncs: null,
    bytes: null,
    peakRssMb: null,
    finalStateOk: null,
    ownerCalls: null,
    extraRssMb: null,
    extraHeapMb: null,
    eldMaxMs: null,
    eldP99Ms: null,
    writeCalls: null,
    renames: null,
    gcCount: null,
    gcMaxPauseMs: null,
    gcTotalMs: null,
    involuntaryContextSwitches: null,
    mutations: null,
    note,
  };
}
