import { performance } from "node:perf_hooks";
import {
  type ManyTargetsPassInput,
  openSinkSession,
  openWriterSession,
  type PassSession,
  type PassTime,
  sumPassTimes,
  syncRemovals,
  type WriterPass,
  type WriterSession,
} from "./many-targets-pass.js";
import { median } from "./percentile.js";
import type { SnapwriteModules } from "./snapwrite-modules.js";

/**
 * One round of goal 5: a writer pass and a sink pass over every target, interleaved in segments
 * (see {@link measureManyTargets}); each pass's figures are the sums over its segments.
 */
export interface ManyTargetsRound {
  /** Which pass ran the round's first segment (the order reverses every round, and every segment). */
  readonly first: "writer" | "sink";
  readonly writerMs: number;
  readonly sinkMs: number;
  /** The process's CPU time (user + system, libuv's threads included) during each pass, ms. */
  readonly writerCpuMs: number;
  readonly sinkCpuMs: number;
  /** The main thread's part of each pass's CPU time, ms (Linux; absent elsewhere). */
  readonly writerMainCpuMs?: number;
  readonly sinkMainCpuMs?: number;
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
  /** Segments each pass of a round is cut into, the two passes' segments alternating. */
  readonly segments: number;
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
  /**
   * Median main-thread CPU time per target of each side, µs (Linux): the writer's own JavaScript
   * runs there; the rest of the process CPU is libuv's pool (the file-system calls) and V8's helpers.
   */
  readonly writerMainUsPerTarget?: number;
  readonly sinkMainUsPerTarget?: number;
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
  /**
   * Segments each pass of a round is cut into (default 1): the passes alternate segment by
   * segment, so a change in the machine's load lands on both within seconds.
   */
  readonly segments?: number;
}

/** Round `index` (from 0) runs the writer first when even, the sink first when odd. */
export const firstPassOf = (index: number): "writer" | "sink" =>
  index % 2 === 0 ? "writer" : "sink";

/** Targets `[from, to)` of segment `index` of `segments` over `count` targets (sizes differ by ≤ 1). */
export function segmentBounds(count: number, segments: number, index: number): [number, number] {
  return [Math.floor((count * index) / segments), Math.floor((count * (index + 1)) / segments)];
}

/** Whether the writer runs first in segment `segment` of round `round`: alternating in both. */
export const writerFirstIn = (round: number, segment: number): boolean =>
  (firstPassOf(round) === "writer") === (segment % 2 === 0);

/**
 * Targets each side writes untimed at the start of a round, in the round's order, after setting
 * up and before its first timed segment: 5 % of `count`, at least 50. In whole passes the side
 * that went first in a round ran slower in every measurement, as if the first writes after the
 * set-up paid for it; the warm-up takes that for both sides alike.
 */
export const warmUpTargets = (count: number): number => Math.max(50, Math.ceil(count / 20));

/** Whether another round starts after `done` rounds and `elapsedMs`. */
export function anotherRound(plan: ManyTargetsPlan, done: number, elapsedMs: number): boolean {
  if (done >= plan.rounds) return false;
  return done < plan.minRounds || elapsedMs < plan.budgetMs;
}

const round2 = (value: number): number => Number(value.toFixed(2));

/** The result from the rounds: medians of each pass's time, rates and the ratio from them. */
export function summarizeManyTargets(
  plan: Required<Pick<ManyTargetsPlan, "targets" | "concurrency" | "bytesPerTarget" | "segments">>,
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
    segments: plan.segments,
    rounds,
    sinkMs: Math.round(sinkMs),
    sinkTargetsPerSec: perSec(sinkMs),
    writerMs: Math.round(writerMs),
    writerTargetsPerSec: perSec(writerMs),
    ratio: round2(sinkMs / writerMs),
    writerCpuUsPerTarget: cpuUs(rounds.map((r) => r.writerCpuMs)),
    sinkCpuUsPerTarget: cpuUs(rounds.map((r) => r.sinkCpuMs)),
    ...mainThreadUs(rounds, cpuUs),
    writerMaxInFlight: Math.max(0, ...writerPasses.map((p) => p.maxInFlight)),
    concurrencyOptionAccepted: writerPasses.every((p) => p.concurrencyOptionAccepted),
    failures: writerPasses.reduce((sum, p) => sum + p.failures, 0),
  };
}

/** The median main-thread µs per target of each side, when every round measured it. */
function mainThreadUs(
  rounds: readonly ManyTargetsRound[],
  cpuUs: (ms: readonly number[]) => number,
): { writerMainUsPerTarget?: number; sinkMainUsPerTarget?: number } {
  const writer = rounds.map((r) => r.writerMainCpuMs);
  const sink = rounds.map((r) => r.sinkMainCpuMs);
  const known = (ms: readonly (number | undefined)[]): ms is number[] =>
    ms.length > 0 && ms.every((v) => v !== undefined);
  if (!known(writer) || !known(sink)) return {};
  return { writerMainUsPerTarget: cpuUs(writer), sinkMainUsPerTarget: cpuUs(sink) };
}

/**
 * One round: both sides set up (the first side first), then their segments alternate, the side
 * that went first going second in the next segment; both torn down after the last.
 */
async function runRound(
  input: ManyTargetsPassInput,
  round: number,
  segments: number,
): Promise<{ round: ManyTargetsRound; writer: WriterPass }> {
  const first = firstPassOf(round);
  // Both sides get as many extra targets, written untimed before the timed segments.
  const warmUp = warmUpTargets(input.count);
  const total = { ...input, count: input.count + warmUp };
  let writer: WriterSession | undefined;
  let sink: PassSession | undefined;
  try {
    if (first === "writer") writer = await openWriterSession(total);
    sink = await openSinkSession(total);
    writer ??= await openWriterSession(total);
    for (const side of first === "writer" ? [writer, sink] : [sink, writer]) {
      await side.segment(input.count, total.count);
    }
    const writerTimes: PassTime[] = [];
    const sinkTimes: PassTime[] = [];
    for (let segment = 0; segment < segments; segment++) {
      const [from, to] = segmentBounds(input.count, segments, segment);
      if (writerFirstIn(round, segment)) {
        writerTimes.push(await writer.segment(from, to));
        sinkTimes.push(await sink.segment(from, to));
      } else {
        sinkTimes.push(await sink.segment(from, to));
        writerTimes.push(await writer.segment(from, to));
      }
    }
    const w = sumPassTimes(writerTimes);
    const s = sumPassTimes(sinkTimes);
    return {
      round: {
        first,
        writerMs: Math.round(w.ms),
        sinkMs: Math.round(s.ms),
        writerCpuMs: Math.round(w.cpuMs),
        sinkCpuMs: Math.round(s.cpuMs),
        ...(w.threads && s.threads
          ? {
              writerMainCpuMs: Math.round(w.threads.main),
              sinkMainCpuMs: Math.round(s.threads.main),
            }
          : {}),
        ratio: round2(s.ms / w.ms),
      },
      writer: {
        ...w,
        maxInFlight: writer.maxInFlight(),
        concurrencyOptionAccepted: writer.concurrencyOptionAccepted,
        failures: writer.failures(),
      },
    };
  } finally {
    try {
      await writer?.end();
    } finally {
      await sink?.end();
      await syncRemovals(input.root);
    }
  }
}

/**
 * Measures goal 5 over sink-fs (durable) in alternating rounds in this one process: each round
 * runs a writer pass and a sink pass over every target (see many-targets-pass.ts), cut into
 * `segments` segments that alternate — the writer first in the even segments of even rounds and
 * the odd segments of odd rounds — so drift in the machine's load lands on both sides within
 * seconds rather than a pass apart; the verdict compares the medians of the rounds' times.
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
  const segments = Math.max(1, Math.min(plan.segments ?? 1, plan.targets));
  const rounds: ManyTargetsRound[] = [];
  const writerPasses: WriterPass[] = [];
  const started = performance.now();
  while (anotherRound(plan, rounds.length, performance.now() - started)) {
    const { round, writer } = await runRound(input, rounds.length, segments);
    writerPasses.push(writer);
    rounds.push(round);
  }
  return summarizeManyTargets(
    {
      targets: input.count,
      concurrency: input.concurrency,
      bytesPerTarget: input.bytesPerTarget,
      segments,
    },
    rounds,
    writerPasses,
  );
}
