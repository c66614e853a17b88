import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";
import { percentile } from "./percentile.js";
import {
  openThreadSched,
  type SchedSample,
  type SchedSplit,
  splitBetween,
} from "./thread-sched.js";
import { correctedTickDelays } from "./tick-delays.js";

/** Options of {@link createStallMonitor}. */
export interface StallMonitorOptions {
  /** Period of the tick-gap timer and resolution of `monitorEventLoopDelay`, in ms. Default 1. */
  readonly intervalMs?: number;
  /** Keep every tick's time and gap for a stall-over-time chart. Default false. */
  readonly trace?: boolean;
  /** Sample memory (RSS, heap, external) every this many ticks. Default 5. */
  readonly rssEveryTicks?: number;
  /** Keep the intervals of stalls longer than this, for attribution. Default 5 ms. */
  readonly stallThresholdMs?: number;
  /**
   * Read the owner thread's scheduler counters every tick and keep, per stall, how its time was
   * spent (Linux; see thread-sched.ts). A diagnostic: about 5 µs per tick. Default false.
   */
  readonly sched?: boolean;
}

/** Tick times and gaps of one monitored window, for the stall-over-time chart. */
export interface StallTrace {
  /** Tick times in ms since the monitor started. */
  readonly atMs: Float64Array;
  /** Gap to the previous tick in ms (the interval when the loop is free). */
  readonly gapMs: Float64Array;
}

/** What one monitored window saw. */
export interface StallReport {
  /** Largest stall seen by either monitor, in ms. */
  readonly maxStallMs: number;
  /** 99th percentile of the tick delays, corrected for coordinated omission, in ms. */
  readonly p99StallMs: number;
  /** `monitorEventLoopDelay` maximum minus its resolution, in ms. */
  readonly eldMaxMs: number;
  /** `monitorEventLoopDelay` 99th percentile minus its resolution (not corrected), in ms. */
  readonly eldP99Ms: number;
  /** Largest tick gap minus the interval, in ms. */
  readonly tickMaxDelayMs: number;
  /** Number of ticks observed. */
  readonly ticks: number;
  /** Length of the window, in ms. */
  readonly durationMs: number;
  /** Resident set size when the window started, in bytes. */
  readonly startRssBytes: number;
  /** Largest sampled resident set size, in bytes. */
  readonly peakRssBytes: number;
  /** JS heap used plus external memory (array buffers included) when the window started, in bytes. */
  readonly startHeapBytes: number;
  /** Largest sampled JS heap used plus external memory, in bytes (garbage not yet collected counts). */
  readonly peakHeapBytes: number;
  /** Garbage collections reported by `PerformanceObserver` during the window. */
  readonly gcCount: number;
  /** Longest single garbage-collection pause, in ms. */
  readonly gcMaxPauseMs: number;
  /** Summed garbage-collection pauses, in ms. */
  readonly gcTotalMs: number;
  /** Times the OS took the CPU away from this process (other load on the machine). */
  readonly involuntaryContextSwitches: number;
  /** Tick-by-tick data, when asked for. */
  readonly trace: StallTrace | undefined;
  /** Time the owner's event loop was busy (event-loop utilization's active time), ms. */
  readonly activeMs: number;
  /** `performance.now()` when the window started. */
  readonly startedAtMs: number;
  /** Tick gaps longer than the interval plus `stallThresholdMs`, as absolute `[startMs, endMs]`. */
  readonly stalls: readonly Stall[];
  /** Garbage collections of the window, as absolute `[startMs, endMs]`. */
  readonly gcs: readonly { readonly startMs: number; readonly endMs: number }[];
}

/** One stall: a tick gap beyond the threshold, with its scheduler split when asked for. */
export interface Stall {
  readonly startMs: number;
  readonly endMs: number;
  /** From the tick before the stall to the tick after it; only with `sched`. */
  readonly sched?: SchedSplit;
}

/** Watches the event loop from the owner thread: how long was it unable to run a 1 ms timer? */
export interface StallMonitor {
  /** Starts a window. */
  start(): void;
  /** Ends the window and reports it. */
  stop(): StallReport;
  /** Takes an extra memory sample now (call it right after a synchronous save). */
  sampleRss(): void;
}

/**
 * Creates a monitor that measures event-loop stalls twice: with `perf_hooks.monitorEventLoopDelay`
 * (resolution = interval) and with a `setInterval` tick whose gaps are recorded. It samples
 * `process.memoryUsage()` every few ticks to report peaks.
 */
export function createStallMonitor(options: StallMonitorOptions = {}): StallMonitor {
  const intervalMs = options.intervalMs ?? 1;
  const keepTrace = options.trace ?? false;
  const rssEvery = options.rssEveryTicks ?? 5;
  const stallThreshold = options.stallThresholdMs ?? 5;
  let stalls: Stall[] = [];
  let sched: ReturnType<typeof openThreadSched>;
  let lastSched: SchedSample | undefined;
  let gcs: { startMs: number; endMs: number }[] = [];
  let gaps: Float64Array = new Float64Array(4096);
  let times: Float64Array = new Float64Array(keepTrace ? 4096 : 0);
  let count = 0;
  let startedAt = 0;
  let lastTick = 0;
  let startRss = 0;
  let peakRss = 0;
  let startHeap = 0;
  let peakHeap = 0;
  let timer: NodeJS.Timeout | undefined;
  let gcCount = 0;
  let gcMax = 0;
  let gcTotal = 0;
  let switchesAtStart = 0;
  let eluAtStart: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  const onGc = (entries: {
    getEntries(): readonly { duration: number; startTime: number }[];
  }): void => {
    for (const entry of entries.getEntries()) {
      gcs.push({ startMs: entry.startTime, endMs: entry.startTime + entry.duration });
      gcCount++;
      gcTotal += entry.duration;
      if (entry.duration > gcMax) gcMax = entry.duration;
    }
  };
  let observer: PerformanceObserver | undefined;
  let histogram: ReturnType<typeof monitorEventLoopDelay> | undefined;

  const grow = (array: Float64Array): Float64Array => {
    const bigger = new Float64Array(array.length * 2);
    bigger.set(array);
    return bigger;
  };

  const sampleRss = (): void => {
    const usage = process.memoryUsage();
    if (usage.rss > peakRss) peakRss = usage.rss;
    const heap = usage.heapUsed + usage.external;
    if (heap > peakHeap) peakHeap = heap;
  };

  const tick = (): void => {
    const now = performance.now();
    if (count === gaps.length) gaps = grow(gaps);
    const gap = now - lastTick;
    gaps[count] = gap;
    const sample = sched?.sample();
    if (gap - intervalMs > stallThreshold) {
      stalls.push({
        startMs: lastTick + intervalMs,
        endMs: now,
        ...(sample !== undefined && lastSched !== undefined
          ? { sched: splitBetween(lastSched, sample) }
          : {}),
      });
    }
    lastSched = sample;
    if (keepTrace) {
      if (count === times.length) times = grow(times);
      times[count] = now - startedAt;
    }
    count++;
    lastTick = now;
    if (count % rssEvery === 0) sampleRss();
  };

  return {
    start() {
      if (timer !== undefined) throw new Error("stall monitor already running");
      count = 0;
      stalls = [];
      gcs = [];
      gcCount = 0;
      gcMax = 0;
      gcTotal = 0;
      observer = new PerformanceObserver(onGc);
      observer.observe({ entryTypes: ["gc"] });
      switchesAtStart = process.resourceUsage().involuntaryContextSwitches;
      const usage = process.memoryUsage();
      startRss = usage.rss;
      peakRss = startRss;
      startHeap = usage.heapUsed + usage.external;
      peakHeap = startHeap;
      histogram = monitorEventLoopDelay({ resolution: intervalMs });
      histogram.enable();
      eluAtStart = performance.eventLoopUtilization();
      sched = options.sched === true ? openThreadSched() : undefined;
      lastSched = sched?.sample();
      startedAt = performance.now();
      lastTick = startedAt;
      timer = setInterval(tick, intervalMs);
    },
    sampleRss,
    stop() {
      if (timer === undefined || histogram === undefined)
        throw new Error("stall monitor not running");
      // The last gap (from the final tick to now) counts too: a stall right before stop() is real.
      tick();
      clearInterval(timer);
      timer = undefined;
      sched?.close();
      sched = undefined;
      histogram.disable();
      if (observer) {
        onGc({ getEntries: () => observer?.takeRecords() ?? [] });
        observer.disconnect();
        observer = undefined;
      }
      const switches = process.resourceUsage().involuntaryContextSwitches - switchesAtStart;
      const activeMs = performance.eventLoopUtilization(eluAtStart).active;
      const durationMs = performance.now() - startedAt;
      const delays = correctedTickDelays(gaps.subarray(0, count), intervalMs);
      const tickMax = delays.length > 0 ? (delays[delays.length - 1] ?? 0) : 0;
      // The histogram records whole sampling intervals (idle ≈ the resolution), so subtract it.
      const eldMaxMs = histogram.count > 0 ? Math.max(0, histogram.max / 1e6 - intervalMs) : 0;
      const eldP99Ms =
        histogram.count > 0 ? Math.max(0, histogram.percentile(99) / 1e6 - intervalMs) : 0;
      sampleRss();
      return {
        maxStallMs: Math.max(tickMax, eldMaxMs),
        p99StallMs: percentile(delays, 99),
        eldMaxMs,
        eldP99Ms,
        tickMaxDelayMs: tickMax,
        ticks: count,
        durationMs,
        startRssBytes: startRss,
        peakRssBytes: peakRss,
        startHeapBytes: startHeap,
        peakHeapBytes: peakHeap,
        gcCount,
        gcMaxPauseMs: gcMax,
        gcTotalMs: gcTotal,
        involuntaryContextSwitches: switches,
        trace: keepTrace ? { atMs: times.slice(0, count), gapMs: gaps.slice(0, count) } : undefined,
        activeMs,
        startedAtMs: startedAt,
        stalls,
        gcs,
      };
    },
  };
}
