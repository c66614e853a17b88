// The `--pin` experiment of the PostgreSQL bench: the owner's main thread alone on one CPU, every
// other thread of the process (the worker replica, libuv's pool, V8's helpers) and the PostgreSQL
// server on the other, with `taskset` (util-linux). Shows whether the owner's stall during a save is
// its own work or its thread being descheduled while the server and the writing thread use the CPUs.
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { processTree } from "./cpu-window.js";

/** Which CPU the owner's main thread gets, and which one everything else gets. */
export interface CpuPinning {
  readonly ownerCpu: number;
  readonly otherCpu: number;
}

function taskset(args: string[]): void {
  execFileSync("taskset", args, { stdio: "ignore", timeout: 5_000 });
}

/** True when `taskset` can be run here. */
export function canPin(): boolean {
  try {
    taskset(["-p", String(process.pid)]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pins the server's processes and every thread of this process to `otherCpu`, then the main thread
 * (whose thread id is the process id) back to `ownerCpu`. Threads and backends started later
 * inherit their creator's CPU, so call it again after new ones may have appeared.
 */
export function pinCpus(pinning: CpuPinning, serverPid: number): void {
  const other = String(pinning.otherCpu);
  // The postmaster first: backends it forks from now on inherit its CPU.
  for (const pid of processTree(serverPid)) {
    try {
      taskset(["-a", "-p", "-c", other, String(pid)]);
    } catch {
      // A backend that exited meanwhile.
    }
  }
  taskset(["-a", "-p", "-c", other, String(process.pid)]);
  taskset(["-p", "-c", String(pinning.ownerCpu), String(process.pid)]);
}

/**
 * Lets every thread of this process run on every CPU again. `os.cpus()`, not
 * `availableParallelism()`: the latter counts only the CPUs the calling (pinned) thread may use.
 */
export function unpinSelf(): void {
  taskset(["-a", "-p", "-c", `0-${cpus().length - 1}`, String(process.pid)]);
}

/**
 * `--owner-rt`: gives the owner's main thread (only it) the real-time policy `SCHED_FIFO` at the
 * lowest priority, so no ordinary thread on the machine, other people's included, can take its CPU
 * while it has something to run. It idles most of the time, so it takes little from anyone. With
 * reset-on-fork: threads and processes it starts later get the ordinary policy.
 */
export function raiseOwnerPriority(): void {
  execFileSync("chrt", ["-f", "-R", "-p", "1", String(process.pid)], {
    stdio: "ignore",
    timeout: 5_000,
  });
}

/** Puts the owner's main thread back on the ordinary scheduling policy. */
export function resetOwnerPriority(): void {
  execFileSync("chrt", ["-o", "-p", "0", String(process.pid)], { stdio: "ignore", timeout: 5_000 });
}
