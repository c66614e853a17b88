// Which garbage collection made an event-loop stall: every GC of the process recorded with its
// kind from `perf_hooks`, and each stall attributed to the kind that covered most of it.

import { constants, PerformanceObserver } from "node:perf_hooks";

/** `perf_hooks` GC kinds (`entry.detail.kind`). */
const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "scavenge",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "mark-compact",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak-callbacks",
};

/** One collection, as absolute `performance.now()` times. */
export interface GcEntry {
  readonly kind: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** A time interval, as absolute `performance.now()` times. */
export interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

/** The name of a `perf_hooks` GC kind. */
export function gcKindName(kind: number): string {
  return GC_KINDS[kind] ?? `kind ${kind}`;
}

/** Records every GC of the process from now on; `take()` returns those since the last call. */
export function recordGcs(): { take(): GcEntry[]; stop(): void } {
  let entries: GcEntry[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      entries.push({
        kind: gcKindName(kind),
        startMs: e.startTime,
        endMs: e.startTime + e.duration,
      });
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return {
    take() {
      const taken = entries;
      entries = [];
      return taken;
    },
    stop() {
      observer.disconnect();
    },
  };
}

/** Milliseconds of `stall` that collections of any kind covered. */
export function gcOverlapMs(stall: Interval, gcs: readonly GcEntry[]): number {
  let ms = 0;
  for (const gc of gcs) {
    ms += Math.max(0, Math.min(stall.endMs, gc.endMs) - Math.max(stall.startMs, gc.startMs));
  }
  return ms;
}

/**
 * The GC kind whose collections covered at least half of `stall` (the one covering most when
 * several do), or `"other"`: a long synchronous step, or the OS taking the CPU.
 */
export function attributeStall(stall: Interval, gcs: readonly GcEntry[]): string {
  const overlap = new Map<string, number>();
  for (const gc of gcs) {
    const ms = Math.min(stall.endMs, gc.endMs) - Math.max(stall.startMs, gc.startMs);
    if (ms > 0) overlap.set(gc.kind, (overlap.get(gc.kind) ?? 0) + ms);
  }
  let best = "other";
  let bestMs = (stall.endMs - stall.startMs) / 2;
  for (const [kind, ms] of overlap) {
    if (ms >= bestMs) {
      best = kind;
      bestMs = ms;
    }
  }
  return best;
}
