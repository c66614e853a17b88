import { readdirSync, readFileSync } from "node:fs";

/** CPU time of one thread, ms. */
export interface ThreadTimes {
  readonly user: number;
  readonly system: number;
}

/** CPU time of each thread of this process, by thread id; Linux only. */
export type ThreadCpu = ReadonlyMap<number, ThreadTimes>;

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** Reads `/proc/self/task/<tid>/stat` of every thread; `undefined` where there is no /proc. */
export function readThreadCpu(): ThreadCpu | undefined {
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return undefined;
  }
  const cpu = new Map<number, ThreadTimes>();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // Fields after the command (which may hold spaces) in parentheses: utime is 14th, stime 15th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpu.set(Number(tid), {
        user: Number(fields[11]) * TICK_MS,
        system: Number(fields[12]) * TICK_MS,
      });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return cpu;
}

/** CPU used between two readings, ms: the main thread's (and its system part), every other thread's. */
export interface ThreadCpuUsed {
  readonly main: number;
  readonly mainSystem: number;
  readonly others: number;
}

/** CPU of the main thread and of every other thread between two readings, ms. */
export function threadCpuSince(
  before: ThreadCpu | undefined,
  after: ThreadCpu | undefined,
): ThreadCpuUsed | undefined {
  if (before === undefined || after === undefined) return undefined;
  let main = 0;
  let mainSystem = 0;
  let others = 0;
  for (const [tid, now] of after) {
    const then = before.get(tid) ?? { user: 0, system: 0 };
    const used = now.user - then.user + now.system - then.system;
    if (tid === process.pid) {
      main += used;
      mainSystem += now.system - then.system;
    } else {
      others += used;
    }
  }
  return { main, mainSystem, others };
}
