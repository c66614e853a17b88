import { performance } from "node:perf_hooks";
import { percentile } from "./percentile.js";
import { createPrng } from "./prng.js";
import { createStallMonitor, type StallReport } from "./stall-monitor.js";

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

/** Runs `updates` updates of random entries from `callers` concurrent callers. */
export async function runUpdates(
  contender: string,
  entries: number,
  updater: Updater,
  callers: number,
  updates: number,
): Promise<Row> {
  const prng = createPrng(callers * 7919 + entries);
  const targets = Array.from({ length: updates }, () => prng.nextInt(0, entries - 1));
  const latencies = new Float64Array(updates);
  let next = 0;
  const monitor = createStallMonitor();
  monitor.start();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < updates) {
        const n = next++;
        const t0 = performance.now();
        await updater.update(targets[n] ?? 0, n + 1);
        latencies[n] = performance.now() - t0;
        // A synchronous contender would otherwise never let the other callers (or the timer) run.
        await new Promise<void>((r) => setImmediate(r));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stall: StallReport = monitor.stop();
  latencies.sort();
  return {
    contender,
    entries,
    callers,
    updates,
    commitsPerSecond: updates / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxStallMs: stall.maxStallMs,
    peakRssMb: mb(stall.peakRssBytes),
    heapAfterGcMb: heapAfterGc(),
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
  const median = (values: readonly number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
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
