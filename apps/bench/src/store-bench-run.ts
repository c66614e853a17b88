import { performance } from "node:perf_hooks";
import { median, percentile } from "./percentile.js";
import { createPrng } from "./prng.js";
import { createStallMonitor, type StallMonitorOptions, type StallReport } from "./stall-monitor.js";

/** Concurrent callers every contender is measured with. */
export const CALLERS = [1, 16] as const;

/** The value stored per key. */
export type Value = { n: number; name: string };
/** The key of entry `i`. */
export const keyOf = (i: number): string => `k${i.toString().padStart(8, "0")}`;
/** Version `v` of entry `i`. */
export const entryValue = (i: number, v: number): Value => ({
  n: v,
  name: `entry ${i} version ${v}`,
});

/** One contender: applies update `v` to entry `i` durably. */
export interface Updater {
  update(i: number, v: number): Promise<void> | void;
  close(): Promise<void>;
}

/** The measurements of one contender at one caller count. */
export interface Row {
  readonly contender: string;
  readonly entries: number;
  readonly callers: number;
  readonly updates: number;
  readonly commitsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxStallMs: number;
  readonly peakRssMb: number;
  /** JS heap used plus external memory after a full GC at the end of the run (`--expose-gc`). */
  readonly heapAfterGcMb: number | undefined;
}

/** Bytes as MiB. */
export const mb = (bytes: number): number => bytes / (1024 * 1024);

/** What one timed round of updates saw. */
export interface UpdateRound {
  readonly latencies: Float64Array;
  readonly seconds: number;
  readonly stall: StallReport;
}

/**
 * Applies update `firstVersion + n` to entry `targets[n]` for every `n`, from `callers` concurrent
 * callers, under a stall monitor (created with `monitorOptions`).
 */
export async function runUpdateRound(
  updater: Updater,
  targets: readonly number[],
  callers: number,
  firstVersion: number,
  monitorOptions: StallMonitorOptions = {},
): Promise<UpdateRound> {
  const updates = targets.length;
  const latencies = new Float64Array(updates);
  let next = 0;
  const monitor = createStallMonitor(monitorOptions);
  monitor.start();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < updates) {
        const n = next++;
        const t0 = performance.now();
        await updater.update(targets[n] ?? 0, firstVersion + n);
        latencies[n] = performance.now() - t0;
        // A synchronous contender would otherwise never let the other callers (or the timer) run.
        await new Promise<void>((r) => setImmediate(r));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latencies, seconds, stall: monitor.stop() };
}

/**
 * One {@link Row} from the rounds one contender ran: commits/s is the median of the rounds' rates,
 * latency percentiles are over every update, stall and RSS are the largest of any round.
 */
export function rowFromRounds(
  contender: string,
  entries: number,
  callers: number,
  rounds: readonly UpdateRound[],
): Row {
  const updates = rounds.reduce((sum, r) => sum + r.latencies.length, 0);
  const latencies = new Float64Array(updates);
  let at = 0;
  for (const r of rounds) {
    latencies.set(r.latencies, at);
    at += r.latencies.length;
  }
  latencies.sort();
  return {
    contender,
    entries,
    callers,
    updates,
    commitsPerSecond: median(rounds.map((r) => r.latencies.length / r.seconds)),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxStallMs: Math.max(...rounds.map((r) => r.stall.maxStallMs)),
    peakRssMb: mb(Math.max(...rounds.map((r) => r.stall.peakRssBytes))),
    heapAfterGcMb: heapAfterGc(),
  };
}

/** Random entries to update: the same list for every contender given the same seed. */
export function updateTargets(seed: number, entries: number, updates: number): number[] {
  const prng = createPrng(seed);
  return Array.from({ length: updates }, () => prng.nextInt(0, entries - 1));
}

/** Runs `updates` updates of random entries from `callers` concurrent callers, in one round. */
export async function runUpdates(
  contender: string,
  entries: number,
  updater: Updater,
  callers: number,
  updates: number,
): Promise<Row> {
  const targets = updateTargets(callers * 7919 + entries, entries, updates);
  const round = await runUpdateRound(updater, targets, callers, 1);
  return rowFromRounds(contender, entries, callers, [round]);
}

/** A contender of {@link runPairedUpdates}. */
export interface NamedUpdater {
  readonly name: string;
  readonly updater: Updater;
}

/** What {@link runPairedUpdates} measured. */
export interface PairedUpdates {
  readonly first: Row;
  readonly second: Row;
  /** Largest stall of the idle windows, each as long as the first contender's round beside it. */
  readonly controlMaxStallMs: number;
  /** Per round, in the order they ran: each contender's commits/s and max stall, the control's stall. */
  readonly rounds: {
    readonly first: readonly { readonly commitsPerSecond: number; readonly maxStallMs: number }[];
    readonly second: readonly { readonly commitsPerSecond: number; readonly maxStallMs: number }[];
    readonly controlMaxStallMs: readonly number[];
  };
}

/**
 * Two contenders, both open, updating the same random entries in `rounds` alternating rounds (the
 * order reversed every round) of `updates / rounds` updates each, after one untimed round each,
 * and after each pair an idle
 * window as long as `first`'s round: a disk or CPU disturbance then lands in one round of each,
 * not in one contender's whole run, and `first`'s stall is compared with an idle window of the same
 * total length, taken in the same phases of the run.
 */
export async function runPairedUpdates(
  first: NamedUpdater,
  second: NamedUpdater,
  entries: number,
  callers: number,
  updates: number,
  rounds = 5,
): Promise<PairedUpdates> {
  const firstRounds: UpdateRound[] = [];
  const secondRounds: UpdateRound[] = [];
  const control: number[] = [];
  const perRound = Math.max(1, Math.floor(updates / rounds));
  // One untimed round each first, so neither pays its first 16-caller round's compilation.
  const warmUp = updateTargets(callers * 7919 + entries - 1, entries, perRound);
  await runUpdateRound(first.updater, warmUp, callers, 1);
  await runUpdateRound(second.updater, warmUp, callers, 1);
  for (let round = 0; round < rounds; round++) {
    const targets = updateTargets(callers * 7919 + entries + round, entries, perRound);
    const version = 1 + (round + 1) * perRound;
    if (round % 2 === 0) {
      firstRounds.push(await runUpdateRound(first.updater, targets, callers, version));
      secondRounds.push(await runUpdateRound(second.updater, targets, callers, version));
    } else {
      secondRounds.push(await runUpdateRound(second.updater, targets, callers, version));
      firstRounds.push(await runUpdateRound(first.updater, targets, callers, version));
    }
    const firstMs = (firstRounds.at(-1)?.seconds ?? 0) * 1000;
    control.push(await controlStall(Math.max(50, Math.round(firstMs))));
  }
  const summary = (r: UpdateRound) => ({
    commitsPerSecond: r.latencies.length / r.seconds,
    maxStallMs: r.stall.maxStallMs,
  });
  return {
    first: rowFromRounds(first.name, entries, callers, firstRounds),
    second: rowFromRounds(second.name, entries, callers, secondRounds),
    controlMaxStallMs: Math.max(...control),
    rounds: {
      first: firstRounds.map(summary),
      second: secondRounds.map(summary),
      controlMaxStallMs: control,
    },
  };
}

function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  gc();
  const usage = process.memoryUsage();
  return mb(usage.heapUsed + usage.external);
}

/** The idle control: the same monitor with nothing to do, so stalls are the machine's own. */
export async function controlStall(ms: number): Promise<number> {
  const monitor = createStallMonitor();
  monitor.start();
  await new Promise((r) => setTimeout(r, ms));
  return monitor.stop().maxStallMs;
}

/**
 * Mean cost of one point read in µs: a warm-up pass over the first tenth, then a timed pass over all
 * `reads`; `read(r)` says whether read `r` found its key (every key exists, so a miss is a bug).
 */
export function timeReads(reads: number, read: (r: number) => boolean): number {
  for (let r = 0; r < reads / 10; r++) read(r);
  let found = 0;
  const t0 = performance.now();
  for (let r = 0; r < reads; r++) if (read(r)) found++;
  const us = ((performance.now() - t0) * 1000) / reads;
  if (found !== reads) throw new Error(`point reads found ${found} of ${reads}`);
  return us;
}

/** Median µs per read of two read paths over the same keys, timed in alternating rounds. */
export interface PairedReads {
  readonly firstUs: number;
  readonly secondUs: number;
  /** Each round's µs per read, in the order the rounds ran. */
  readonly firstRounds: readonly number[];
  readonly secondRounds: readonly number[];
}

/**
 * Times `first` and `second` (each as {@link timeReads}) in `rounds` alternating rounds, the order
 * reversed every round, and takes each one's median: a pass disturbed by other work on the machine
 * then moves one round, not the ratio.
 */
export function timePairedReads(
  reads: number,
  first: (r: number) => boolean,
  second: (r: number) => boolean,
  rounds = 5,
): PairedReads {
  const firstRounds: number[] = [];
  const secondRounds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      firstRounds.push(timeReads(reads, first));
      secondRounds.push(timeReads(reads, second));
    } else {
      secondRounds.push(timeReads(reads, second));
      firstRounds.push(timeReads(reads, first));
    }
  }
  return {
    firstUs: median(firstRounds),
    secondUs: median(secondRounds),
    firstRounds,
    secondRounds,
  };
}

/** A number with `digits` decimals and thousands separators. */
export function fmt(n: number, digits = 1): string {
  return n.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}
