// Where the owner thread was during a stall, from Linux's per-thread scheduler counters
// (/proc/self/task/<tid>/schedstat: time on a CPU, time runnable but waiting for one) and the
// process's CPU time (all threads). The rest of a stall is time the thread slept (in the event
// loop's poll) or that the hypervisor took from the guest's CPU, which the guest does not see.
// One positional read of an open /proc file costs a few µs, cheap enough for every 1 ms tick.

import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";

/** One reading of the owner thread's scheduler counters and the process's CPU time. */
export interface SchedSample {
  /** Time the owner thread ran on a CPU, ms (monotonic, since the thread started). */
  readonly onCpuMs: number;
  /** Time the owner thread was runnable but waited for a CPU, ms. */
  readonly runQueueMs: number;
  /** CPU time of every thread of the process (user + system), ms. */
  readonly processCpuMs: number;
}

/** How one stall's time was spent, as differences of two {@link SchedSample}s. */
export interface SchedSplit {
  readonly onCpuMs: number;
  readonly runQueueMs: number;
  /** CPU time the process's other threads used meanwhile (process CPU minus the owner's), ms. */
  readonly otherThreadsCpuMs: number;
}

/** Reads the counters; `undefined` from {@link openThreadSched} where they do not exist. */
export interface ThreadSched {
  sample(): SchedSample;
  close(): void;
}

/** Parses schedstat's first two fields (ns on CPU, ns waiting); throws on anything else. */
export function parseSchedstat(text: string): { onCpuMs: number; runQueueMs: number } {
  const [onCpu, wait] = text.trim().split(/\s+/).map(Number);
  if (!(Number.isFinite(onCpu) && Number.isFinite(wait))) {
    throw new Error(`unexpected schedstat: ${JSON.stringify(text)}`);
  }
  return { onCpuMs: (onCpu as number) / 1e6, runQueueMs: (wait as number) / 1e6 };
}

/** The split of the interval between two samples. */
export function splitBetween(before: SchedSample, after: SchedSample): SchedSplit {
  const onCpuMs = after.onCpuMs - before.onCpuMs;
  return {
    onCpuMs,
    runQueueMs: after.runQueueMs - before.runQueueMs,
    otherThreadsCpuMs: Math.max(0, after.processCpuMs - before.processCpuMs - onCpuMs),
  };
}

/**
 * Opens the main thread's schedstat (its thread id is the process id); call it on the main thread.
 * `undefined` where the kernel has none (not Linux, or schedstats off).
 */
export function openThreadSched(): ThreadSched | undefined {
  let fd: number;
  try {
    fd = openSync(`/proc/self/task/${process.pid}/schedstat`, "r");
  } catch {
    return undefined;
  }
  const buffer = Buffer.alloc(128);
  const sample = (): SchedSample => {
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const cpu = process.cpuUsage();
    return {
      ...parseSchedstat(buffer.toString("latin1", 0, n)),
      processCpuMs: (cpu.user + cpu.system) / 1000,
    };
  };
  try {
    sample();
  } catch {
    closeSync(fd);
    return undefined;
  }
  return {
    sample,
    close: () => closeSync(fd),
  };
}

/** CPU time per thread of this process, by thread id, from each thread's schedstat (Linux), ms. */
export function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      out.set(
        Number(tid),
        parseSchedstat(readFileSync(`/proc/self/task/${tid}/schedstat`, "latin1")).onCpuMs,
      );
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/**
 * The threads that used the most CPU between two {@link threadCpuMs} readings, busiest first,
 * as `[tid, ms]`; the main thread (tid = pid) excluded.
 */
export function busiestThreads(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  count: number,
): [number, number][] {
  return [...after]
    .filter(([tid]) => tid !== process.pid)
    .map(([tid, ms]): [number, number] => [tid, ms - (before.get(tid) ?? 0)])
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
}

/**
 * Time the hypervisor ran something else on this machine's CPUs (the `steal` column of
 * /proc/stat's `cpu` line, summed over CPUs), ms; `undefined` where it cannot be read. Counted in
 * clock ticks (10 ms), so only a round's total means anything, not one stall's.
 */
export function stolenMs(
  read: () => string = () => readFileSync("/proc/stat", "latin1"),
): number | undefined {
  try {
    const line = read().split("\n", 1)[0] ?? "";
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== "cpu" || fields.length < 9) return undefined;
    const steal = Number(fields[8]);
    return Number.isFinite(steal) ? steal * 10 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How much of a stall's `outsideMs` (its part no collection covered) the owner thread spent
 * running its own code, and how much waiting for a CPU. The split spans the whole tick gap, and
 * the thread runs during a collection's pause, so the `collectedMs` the collections covered come
 * off its CPU time first; both parts are capped at `outsideMs`.
 */
export function outsideShare(
  split: SchedSplit,
  outsideMs: number,
  collectedMs: number,
): { readonly heldMs: number; readonly waitedMs: number } {
  const cap = (ms: number) => Math.min(Math.max(0, outsideMs), Math.max(0, ms));
  return { heldMs: cap(split.onCpuMs - collectedMs), waitedMs: cap(split.runQueueMs) };
}

/** Whether this kernel has the owner thread's scheduler counters ({@link openThreadSched}). */
export function threadSchedAvailable(): boolean {
  const sched = openThreadSched();
  sched?.close();
  return sched !== undefined;
}
