import { performance } from "node:perf_hooks";
import {
  type ManyTargetsPassInput,
  type PassTime,
  sinkPass,
  type WriterPass,
  writerPass,
} from "./many-targets-pass.js";
import { median } from "./percentile.js";
import type { SnapwriteModules } from "./snapwrite-modules.js";

/** One round of goal 5: a writer pass and a sink pass, back to back, in the order given. */
export interface ManyTargetsRound {
  /** Which pass ran first (the order reverses every round). */
  readonly first: "writer" | "sink";
  readonly writerMs: number;
  readonly sinkMs: number;
  /** The process's CPU time (user + system, libuv's threads included) during each pass, ms. */
  readonly writerCpuMs: number;
  readonly sinkCpuMs: number;
  /** This round's writer rate / sink rate (sinkMs / writerMs). */
  readonly ratio: number;
}

/** Goal 5: many dirty targets flushed through one writer over sink-fs, in alternating rounds. */
export interface ManyTargetsResult {
  /** Targets written in each pass (each pass writes fresh targets into its own fresh directory). */
  readonly targets: number;
  /** Writes in flight at most that the bench asked for (pool size of the sink pass, writer option). */
  readonly concurrency: number;
  /** Bytes per target. */
  readonly bytesPerTarget: number;
  /** Every round, in the order run. */
  readonly rounds: readonly ManyTargetsRound[];
  /** Median over the rounds of the sink alone (`sink.write` from a pool of `concurrency` callers), ms. */
  readonly sinkMs: number;
  /** Targets per second of the sink alone from its median: its sustainable rate. */
  readonly sinkTargetsPerSec: number;
  /** Median over the rounds of the writer (one immediate request per target until all settled), ms. */
  readonly writerMs: number;
  /** Targets per second through the writer from its median. */
  readonly writerTargetsPerSec: number;
  /** Median sink time / median writer time: the writer's rate as a share of the sink's. */
  readonly ratio: number;
  /** Median process CPU time per target of the writer passes and of the sink passes, µs. */
  readonly writerCpuUsPerTarget: number;
  readonly sinkCpuUsPerTarget: number;
  /** Most `sink.write` calls the writer had in flight at once, over every round. */
  readonly writerMaxInFlight: number;
  /** Whether `createPersistenceWriter` accepted a `concurrency` option (false: it threw on it). */
  readonly concurrencyOptionAccepted: boolean;
  /** Failed writes over every round (must be 0). */
  readonly failures: number;
}

/** How many rounds goal 5 runs. */
export interface ManyTargetsPlan {
  readonly targets: number;
  readonly concurrency: number;
  /** Rounds at most. */
  readonly rounds: number;
  /** Rounds at least, whatever the time (a median needs three). */
  readonly minRounds: number;
  /** No round starts once this much time went by (and `minRounds` ran). */
  readonly budgetMs: number;
  readonly bytesPerTarget?: number;
}

/** Round `index` (from 0) runs the writer first when even, the sink first when odd. */
export const firstPassOf = (index: number): "writer" | "sink" =>
  index % 2 === 0 ? "writer" : "sink";

/** Whether another round starts after `done` rounds and `elapsedMs`. */
export function anotherRound(plan: ManyTargetsPlan, done: number, elapsedMs: number): boolean {
  if (done >= plan.rounds) return false;
  return done < plan.minRounds || elapsedMs < plan.budgetMs;
}

const round2 = (value: number): number => Number(value.toFixed(2));

/** The result from the rounds: medians of each pass's time, rates and the ratio from them. */
export function summarizeManyTargets(
  plan: Required<Pick<ManyTargetsPlan, "targets" | "concurrency" | "bytesPerTarget">>,
  rounds: readonly ManyTargetsRound[],
  writerPasses: readonly WriterPass[],
): ManyTargetsResult {
  const sinkMs = median(rounds.map((r) => r.sinkMs));
  const writerMs = median(rounds.map((r) => r.writerMs));
  const perSec = (ms: number): number => Math.round(plan.targets / (ms / 1000));
  const cpuUs = (ms: readonly number[]): number => Math.round((median(ms) * 1000) / plan.targets);
  return {
    targets: plan.targets,
    concurrency: plan.concurrency,
    bytesPerTarget: plan.bytesPerTarget,
    rounds,
    sinkMs: Math.round(sinkMs),
    sinkTargetsPerSec: perSec(sinkMs),
    writerMs: Math.round(writerMs),
    writerTargetsPerSec: perSec(writerMs),
    ratio: round2(sinkMs / writerMs),
    writerCpuUsPerTarget: cpuUs(rounds.map((r) => r.writerCpuMs)),
    sinkCpuUsPerTarget: cpuUs(rounds.map((r) => r.sinkCpuMs)),
    writerMaxInFlight: Math.max(0, ...writerPasses.map((p) => p.maxInFlight)),
    concurrencyOptionAccepted: writerPasses.every((p) => p.concurrencyOptionAccepted),
    failures: writerPasses.reduce((sum, p) => sum + p.failures, 0),
  };
}

/**
 * Measures goal 5 over sink-fs (durable) in alternating rounds in this one process: each round runs
 * a writer pass and a sink pass (see many-targets-pass.ts) back to back, the writer first in even
 * rounds and the sink first in odd ones, so drift in the machine's load lands on both; the verdict
 * compares the medians.
 */
export async function measureManyTargets(
  modules: SnapwriteModules,
  root: string,
  plan: ManyTargetsPlan,
): Promise<ManyTargetsResult | undefined> {
  const { createFsSink, createPersistenceWriter } = modules;
  if (!createFsSink || !createPersistenceWriter) return undefined;
  const input: ManyTargetsPassInput = {
    createFsSink,
    createPersistenceWriter,
    root,
    count: plan.targets,
    concurrency: plan.concurrency,
    bytesPerTarget: plan.bytesPerTarget ?? 256,
  };
  const rounds: ManyTargetsRound[] = [];
  const writerPasses: WriterPass[] = [];
  const started = performance.now();
  while (anotherRound(plan, rounds.length, performance.now() - started)) {
    const first = firstPassOf(rounds.length);
    let sink: PassTime;
    let writer: WriterPass;
    if (first === "writer") {
      writer = await writerPass(input);
      sink = await sinkPass(input);
    } else {
      sink = await sinkPass(input);
      writer = await writerPass(input);
    }
    writerPasses.push(writer);
    rounds.push({
      first,
      writerMs: Math.round(writer.ms),
      sinkMs: Math.round(sink.ms),
      writerCpuMs: Math.round(writer.cpuMs),
      sinkCpuMs: Math.round(sink.cpuMs),
      ratio: round2(sink.ms / writer.ms),
    });
  }
  return summarizeManyTargets(
    { targets: input.count, concurrency: input.concurrency, bytesPerTarget: input.bytesPerTarget },
    rounds,
    writerPasses,
  );
}
