// Where the CPU time of one measured window went, from Linux's per-thread scheduler statistics
// (`/proc/<pid>/task/<tid>/schedstat`: nanoseconds on a CPU, nanoseconds runnable but waiting for
// one): the owner's main thread, the whole bench process (`process.cpuUsage()`: every thread, the
// worker's included) and a PostgreSQL server's process tree. Off Linux the schedstat figures are 0.
import { readFileSync } from "node:fs";

/** CPU accounting of one window, in ms. */
export interface CpuWindow {
  /** Time the owner's main thread ran on a CPU. */
  readonly ownerCpuMs: number;
  /** Time the owner's main thread was runnable but waited for a CPU (descheduled, not busy). */
  readonly ownerWaitMs: number;
  /** User plus system CPU time of the whole process, every thread. */
  readonly processCpuMs: number;
  /** CPU time of the server's postmaster and its children (0 without a server). */
  readonly serverCpuMs: number;
}

interface SchedStat {
  readonly runNs: number;
  readonly waitNs: number;
}

/** The first two fields of a schedstat file, or zeros when it cannot be read. */
function readSchedStat(path: string): SchedStat {
  try {
    const [run, wait] = readFileSync(path, "utf8").trim().split(/\s+/);
    return { runNs: Number(run), waitNs: Number(wait) };
  } catch {
    return { runNs: 0, waitNs: 0 };
  }
}

/** `pid` and its direct children (a postmaster's backends and auxiliary processes are direct children). */
export function processTree(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return [pid, ...(children === "" ? [] : children.split(/\s+/).map(Number))];
  } catch {
    return [pid];
  }
}

/** Summed on-CPU time of each process in `pids`, keyed by pid. */
function treeRunNs(pids: readonly number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, readSchedStat(`/proc/${pid}/schedstat`).runNs]));
}

/** Starts a window now; `stop()` returns what the CPUs did since. Call both outside a stall window. */
export function startCpuWindow(serverPid?: number): { stop(): CpuWindow } {
  const ownerPath = `/proc/${process.pid}/task/${process.pid}/schedstat`;
  const owner = readSchedStat(ownerPath);
  const cpu = process.cpuUsage();
  const server = serverPid === undefined ? new Map() : treeRunNs(processTree(serverPid));
  return {
    stop(): CpuWindow {
      const ownerNow = readSchedStat(ownerPath);
      const cpuDelta = process.cpuUsage(cpu);
      let serverNs = 0;
      if (serverPid !== undefined) {
        // A backend that started during the window counts from 0; one that exited is lost (rare).
        for (const [pid, ns] of treeRunNs(processTree(serverPid)))
          serverNs += ns - (server.get(pid) ?? 0);
      }
      return {
        ownerCpuMs: (ownerNow.runNs - owner.runNs) / 1e6,
        ownerWaitMs: (ownerNow.waitNs - owner.waitNs) / 1e6,
        processCpuMs: (cpuDelta.user + cpuDelta.system) / 1e3,
        serverCpuMs: serverNs / 1e6,
      };
    },
  };
}
