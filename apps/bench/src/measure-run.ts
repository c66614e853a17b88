import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Contender } from "./contenders/contender.js";
import type { FsCounters } from "./fs-counters.js";
import { type RunResult, unavailableResult } from "./run-result.js";
import { createStallMonitor, type StallTrace } from "./stall-monitor.js";
import { attributeStalls, stepLog } from "./step-log.js";
import type { Workload } from "./workload.js";

/** A measured run and, when the workload asks for one, its stall trace. */
export interface MeasuredRun {
  readonly result: RunResult;
  readonly trace: StallTrace | undefined;
}

const MB = 1024 * 1024;
/** Stalls longer than this are attributed to GC or to a named step. */
export const STALL_ATTRIBUTION_MS = 5;
const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

async function settleHeap(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Runs `workload` against `contender` in a fresh temp directory under `root`, with the stall
 * monitor and the fs counters on from the first save call until every save is stored. Failures
 * (and runs longer than `timeoutMs`) become a row with a note; nothing is retried or hidden.
 */
export async function measureRun<T>(
  workload: Workload<T>,
  contender: Contender,
  counters: FsCounters,
  root: string,
  timeoutMs: number,
): Promise<MeasuredRun> {
  if (contender.unavailable) {
    return {
      result: unavailableResult(workload.id, contender.id, contender.unavailable),
      trace: undefined,
    };
  }
  if (contender.formats && !contender.formats.includes(workload.format.name)) {
    return {
      result: unavailableResult(
        workload.id,
        contender.id,
        `does not write ${workload.format.name}`,
      ),
      trace: undefined,
    };
  }
  const dir = await mkdtemp(join(root, `${contender.id}-`));
  try {
    await settleHeap();
    let session: Awaited<ReturnType<Contender["open"]>>;
    try {
      session = await contender.open({
        dir,
        target: workload.target,
        format: workload.format,
        initial: workload.initial,
        schedule: workload.schedule,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { result: unavailableResult(workload.id, contender.id, message), trace: undefined };
    }
    const typedSession = session as Awaited<ReturnType<Contender["open"]>> & {
      save(
        current: () => T,
        urgency: "immediate" | "debounced",
        changed?: readonly unknown[],
      ): void;
    };
    const monitor = createStallMonitor({ trace: workload.trace });
    monitor.start();
    stepLog.start();
    counters.start();
    const startedAt = performance.now();
    let failure: string | undefined;
    let outcome: Awaited<ReturnType<Workload<T>["drive"]>> | undefined;
    let deadline: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        (async () => {
          outcome = await workload.drive(typedSession, contender);
          monitor.sampleRss();
          await session.settle();
        })(),
        new Promise((_, reject) => {
          deadline = setTimeout(
            () => reject(new Error(`did not finish within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    clearTimeout(deadline);
    const totalMs = performance.now() - startedAt;
    const ownCounts = counters.stop();
    const otherCounts = session.io?.();
    const counts = otherCounts
      ? {
          physicalWrites: ownCounts.physicalWrites + otherCounts.physicalWrites,
          writeCalls: ownCounts.writeCalls + otherCounts.writeCalls,
          fsyncs: ownCounts.fsyncs + otherCounts.fsyncs,
          renames: ownCounts.renames + otherCounts.renames,
          bytes: ownCounts.bytes + otherCounts.bytes,
        }
      : ownCounts;
    const stall = monitor.stop();
    const steps = stepLog.stop();
    const stallCauses = attributeStalls(
      stall.stalls,
      stall.gcs,
      steps,
      STALL_ATTRIBUTION_MS,
      stall.startedAtMs,
    );
    let finalStateOk: boolean | null = false;
    if (contender.stores === false) {
      finalStateOk = null;
    } else if (outcome && !failure) {
      try {
        const stored = await session.readBack();
        finalStateOk = workload.format.verify(stored, outcome.expected());
      } catch (error) {
        failure = `read back failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    const writerReport = session.reported?.();
    const workerMemory = session.workerMemoryBytes?.();
    try {
      await session.close();
    } catch (error) {
      failure ??= `close failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    // Measured by close(), after the worker stopped (the control of its memory).
    const workerFloor = session.workerFloorBytes?.();
    const result: RunResult = {
      workload: workload.id,
      contender: contender.id,
      available: true,
      maxStallMs: round(stall.maxStallMs),
      p99StallMs: round(stall.p99StallMs),
      ownerMs: outcome ? round(outcome.ownerMs, 4) : null,
      totalMs: round(totalMs),
      physicalWrites: counts.physicalWrites,
      fsyncs: counts.fsyncs,
      bytes: counts.bytes,
      peakRssMb: round(stall.peakRssBytes / MB, 1),
      finalStateOk,
      ownerCalls: outcome?.ownerCalls ?? null,
      extraRssMb: round((stall.peakRssBytes - stall.startRssBytes) / MB, 1),
      extraHeapMb: round((stall.peakHeapBytes - stall.startHeapBytes) / MB, 1),
      workerMemoryMb: workerMemory === undefined ? undefined : round(workerMemory / MB, 1),
      workerFloorMb: workerFloor === undefined ? undefined : round(workerFloor / MB, 1),
      eldMaxMs: round(stall.eldMaxMs),
      eldP99Ms: round(stall.eldP99Ms),
      writeCalls: counts.writeCalls,
      renames: counts.renames,
      gcCount: stall.gcCount,
      gcMaxPauseMs: round(stall.gcMaxPauseMs),
      gcTotalMs: round(stall.gcTotalMs),
      involuntaryContextSwitches: stall.involuntaryContextSwitches,
      mutations: outcome?.mutations ?? null,
      writer: writerReport,
      stallCauses,
      ownerActiveMs: round(stall.activeMs),
      note: failure,
    };
    return { result, trace: stall.trace };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
