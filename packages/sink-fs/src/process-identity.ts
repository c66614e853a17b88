import { readFileSync, readlinkSync } from "node:fs";
import { threadId } from "node:worker_threads";

/**
 * Who runs this code, precisely enough to judge files left by others. A pid alone says little:
 * containers with their own pid namespace reuse the same numbers, a restarted container gets the
 * same low pid again, and worker threads of one process share it.
 */
export interface ProcessIdentity {
  readonly pid: number;
  /** `worker_threads.threadId`: 0 on the main thread, unique (never reused) within the process. */
  readonly threadId: number;
  /**
   * The machine boot: a 7-character hash of `/proc/sys/kernel/random/boot_id`; the same constant
   * where that is unreadable (not Linux).
   */
  readonly boot: string;
  /** The pid namespace: the inode of `/proc/self/ns/pid` in base 36, `"0"` where unreadable. */
  readonly pidNs: string;
  /**
   * When the process started: `j` + its start time in clock ticks since boot (`/proc/self/stat`,
   * exact and the same in every thread), else `s` + seconds since the epoch (±1 s between threads).
   */
  readonly start: string;
}

let cached: ProcessIdentity | undefined;

/** The identity of the calling thread of this process, computed once per thread. */
export function processIdentity(): ProcessIdentity {
  cached ??= {
    pid: process.pid,
    threadId,
    // Without a boot id (not Linux) every boot looks the same: such systems have no pid
    // namespaces, and a host name can change under a running process (macOS does on network
    // changes), so it must not make a live process look like one of another boot.
    boot: shortHash(readText("/proc/sys/kernel/random/boot_id") ?? "no-boot-id"),
    pidNs: pidNamespace(),
    start: processStart(),
  };
  return cached;
}

/**
 * Whether two identities name the same process (not necessarily the same thread): same boot, pid
 * namespace and pid, and the same start.
 */
export function sameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.boot === b.boot && a.pidNs === b.pidNs && a.pid === b.pid && sameStart(a.start, b.start);
}

/** Whether a pid probe on this machine can say anything about `other`: same boot and pid namespace. */
export function samePidSpace(other: Pick<ProcessIdentity, "boot" | "pidNs">): boolean {
  const self = processIdentity();
  return other.boot === self.boot && other.pidNs === self.pidNs;
}

function sameStart(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.startsWith("s") && b.startsWith("s")) {
    // Seconds derived from uptime in each thread may straddle a second boundary.
    return Math.abs(Number.parseInt(a.slice(1), 36) - Number.parseInt(b.slice(1), 36)) <= 1;
  }
  return false;
}

function pidNamespace(): string {
  try {
    const match = /\[([0-9]+)\]/.exec(readlinkSync("/proc/self/ns/pid"));
    if (match?.[1] !== undefined) return Number(match[1]).toString(36);
  } catch {
    // Not Linux, or /proc is not mounted: pids are compared by boot (host) alone.
  }
  return "0";
}

function processStart(): string {
  const stat = readText("/proc/self/stat");
  if (stat !== undefined) {
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    if (Number.isSafeInteger(ticks) && ticks >= 0) return `j${ticks.toString(36)}`;
  }
  return `s${Math.floor((Date.now() - process.uptime() * 1000) / 1000).toString(36)}`;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** A 7-character base-36 FNV-1a hash, enough to tell boots apart in file names. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, "0");
}
