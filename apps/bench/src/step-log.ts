import { performance } from "node:perf_hooks";

/** A named interval of owner-thread work, in `performance.now()` ms. */
export interface StepInterval {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Records what the owner thread was doing, by name (`"snapshot"`, `"encode"`, `"save call"`,
 * `"mutation"`), so a stall can be attributed to a step. Recording is off unless a window is open;
 * then each interval costs two `performance.now()` calls and one array push.
 */
export interface StepLog {
  /** Starts recording (drops what an earlier window kept). */
  start(): void;
  /** Stops recording and returns the intervals, in start order. */
  stop(): StepInterval[];
  /** Runs `fn`, recording it under `name` while a window is open. */
  time<R>(name: string, fn: () => R): R;
  /** Records an interval measured by the caller. */
  add(name: string, startMs: number, endMs: number): void;
}

/** Creates a step log (the bench uses the shared {@link stepLog}). */
export function createStepLog(now: () => number = () => performance.now()): StepLog {
  let on = false;
  let names: string[] = [];
  let starts: number[] = [];
  let ends: number[] = [];
  const add = (name: string, startMs: number, endMs: number): void => {
    if (!on) return;
    names.push(name);
    starts.push(startMs);
    ends.push(endMs);
  };
  return {
    start() {
      names = [];
      starts = [];
      ends = [];
      on = true;
    },
    stop() {
      on = false;
      const out: StepInterval[] = names.map((name, i) => ({
        name,
        startMs: starts[i] ?? 0,
        endMs: ends[i] ?? 0,
      }));
      names = [];
      starts = [];
      ends = [];
      return out;
    },
    time(name, fn) {
      if (!on) return fn();
      const start = now();
      try {
        return fn();
      } finally {
        add(name, start, now());
      }
    },
    add,
  };
}

/** The owner thread's step log shared by the drivers and the contenders. */
export const stepLog: StepLog = createStepLog();

/** One stall and what it is attributed to. */
export interface AttributedStall {
  /** When the stall started, ms since the window started. */
  readonly atMs: number;
  /** Its length, ms. */
  readonly ms: number;
  /** `"GC"`, a step name, or `"unattributed"` (the OS took the CPU, or work the bench does not name). */
  readonly cause: string;
}

/** Stalls above the threshold, by cause: count and summed length. */
export interface StallCauses {
  /** Threshold in ms: only longer stalls are attributed. */
  readonly thresholdMs: number;
  /** Per cause: `{ count, ms, maxMs }`. */
  readonly byCause: Readonly<Record<string, { count: number; ms: number; maxMs: number }>>;
  /** The longest stalls (up to 10), with their cause. */
  readonly longest: readonly AttributedStall[];
}

const overlap = (a0: number, a1: number, b0: number, b1: number): number =>
  Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * Attributes every stall longer than `thresholdMs`: to garbage collection when `gc` performance
 * entries cover at least half of it (also inside a step), else to what overlapped it most, a named
 * step of the owner thread or a shorter collection. A stall that nothing
 * covers for at least a quarter of its length is `"unattributed"`. Times are absolute
 * `performance.now()` ms; `originMs` is the window's start.
 */
export function attributeStalls(
  stalls: readonly { readonly startMs: number; readonly endMs: number }[],
  gcs: readonly { readonly startMs: number; readonly endMs: number }[],
  steps: readonly StepInterval[],
  thresholdMs: number,
  originMs: number,
): StallCauses {
  const byCause: Record<string, { count: number; ms: number; maxMs: number }> = {};
  const all: AttributedStall[] = [];
  for (const stall of stalls) {
    const ms = stall.endMs - stall.startMs;
    if (ms <= thresholdMs) continue;
    const covered = new Map<string, number>();
    for (const gc of gcs) {
      const o = overlap(stall.startMs, stall.endMs, gc.startMs, gc.endMs);
      if (o > 0) covered.set("GC", (covered.get("GC") ?? 0) + o);
    }
    for (const step of steps) {
      if (step.endMs < stall.startMs || step.startMs > stall.endMs) continue;
      const o = overlap(stall.startMs, stall.endMs, step.startMs, step.endMs);
      if (o > 0) covered.set(step.name, (covered.get(step.name) ?? 0) + o);
    }
    let cause = "unattributed";
    // A collection that covers half the stall is its cause even inside a step (a step that
    // allocates triggers the GC, but the pause is the GC's); otherwise the step covering most.
    if ((covered.get("GC") ?? 0) >= ms / 2) {
      cause = "GC";
    } else {
      let best = ms / 4;
      for (const [name, o] of covered) {
        if (o >= best) {
          best = o;
          cause = name;
        }
      }
    }
    const entry = byCause[cause] ?? { count: 0, ms: 0, maxMs: 0 };
    entry.count++;
    entry.ms += ms;
    entry.maxMs = Math.max(entry.maxMs, ms);
    byCause[cause] = entry;
    all.push({ atMs: stall.startMs - originMs, ms, cause });
  }
  for (const entry of Object.values(byCause)) {
    entry.ms = Number(entry.ms.toFixed(1));
    entry.maxMs = Number(entry.maxMs.toFixed(1));
  }
  all.sort((a, b) => b.ms - a.ms);
  return {
    thresholdMs,
    byCause,
    longest: all.slice(0, 10).map((s) => ({
      atMs: Number(s.atMs.toFixed(1)),
      ms: Number(s.ms.toFixed(1)),
      cause: s.cause,
    })),
  };
}

/** One line: `GC 3 (41 ms), encode 1 (6 ms)`; `none` when no stall passed the threshold. */
export function formatStallCauses(causes: StallCauses | undefined): string {
  if (!causes) return "not measured";
  const entries = Object.entries(causes.byCause).sort((a, b) => b[1].ms - a[1].ms);
  if (entries.length === 0) return "none";
  return entries
    .map(([name, e]) => `${name} ${e.count}× (max ${e.maxMs.toFixed(1)} ms)`)
    .join(", ");
}
