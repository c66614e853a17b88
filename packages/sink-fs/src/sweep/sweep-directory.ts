import { basename, dirname, join } from "node:path";
import { creatorState } from "../creator-state.js";
import { errorCode } from "../error-code.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { removeStaleLock } from "../lock/break-lock.js";
import { isClaimFileName, removeStaleClaim } from "../lock/claim-file.js";
import { isLockFileName } from "../lock/lock-file-name.js";
import { type ParsedTempFileName, parseTempFileName } from "../temp-file-name.js";
import { activeFiles } from "./active-files.js";
import { DEFAULT_SWEEP_SCOPE, type SweepScope } from "./sweep-options.js";

/** What a sweep removed. */
export interface FsSweepReport {
  /**
   * Orphan temp files of dead processes (and of the threads `deadThreads` named) that were deleted
   * (absolute paths).
   */
  readonly removedTemps: readonly string[];
  /** Abandoned lock files that were deleted (absolute paths). */
  readonly removedLocks: readonly string[];
}

/**
 * Deletes, in one directory, the temp files whose creating process is gone and the abandoned lock
 * files. A temp file of a live process (another one, another thread of this one, or this thread's
 * writes in progress) is never touched, unless `scope` names that other thread as dead. Problems
 * are swallowed: a sweep is housekeeping and must never fail the operation that ran it. `only`
 * limits it to the entries it accepts.
 */
export async function sweepDirectory(
  runtime: FsSinkRuntime,
  dir: string,
  staleMs: number,
  only?: (entry: string) => boolean,
  scope: SweepScope = DEFAULT_SWEEP_SCOPE,
): Promise<FsSweepReport> {
  const removedTemps: string[] = [];
  const removedLocks: string[] = [];
  let entries: string[];
  try {
    entries = await runtime.fs.readdir(dir);
  } catch {
    return { removedTemps, removedLocks };
  }
  for (const entry of entries) {
    if (only !== undefined && !only(entry)) continue;
    const path = join(dir, entry);
    const temp = parseTempFileName(entry);
    if (temp !== undefined) {
      if (!(await isOrphan(runtime, dir, entry, temp, scope))) continue;
      try {
        const stats = await runtime.fs.lstat(path);
        if (!stats.isFile()) continue;
        await runtime.fs.unlink(path);
        removedTemps.push(path);
      } catch (error) {
        if (errorCode(error) !== "ENOENT") continue;
      }
    } else if (scope.targeted) {
      // A targeted sweep judges the named threads' temp files only.
    } else if (isLockFileName(entry)) {
      try {
        if (await removeStaleLock(runtime, path, staleMs)) removedLocks.push(path);
      } catch {
        // Left for the next sweep or the next lock attempt, which breaks it as well.
      }
    } else if (isClaimFileName(entry)) {
      await removeStaleClaim(runtime, path).catch(() => false);
    }
  }
  return { removedTemps, removedLocks };
}

/**
 * Whether the temp file `entry` of `dir` is an orphan. Only a creator that is provably gone makes
 * it one: a dead process of this boot and pid namespace, an earlier process with a pid now ours,
 * an earlier boot — or this very thread, when the file is none of its writes in progress. Another
 * thread of this process is judged only by the caller's word (`scope.deadThreads`); a process in
 * another pid namespace never is.
 */
async function isOrphan(
  runtime: FsSinkRuntime,
  dir: string,
  entry: string,
  temp: ParsedTempFileName,
  scope: SweepScope,
): Promise<boolean> {
  if (scope.targeted) {
    return (
      temp.creator !== undefined &&
      creatorState(runtime, temp.creator) === "this-process" &&
      scope.deadThreads.has(temp.creator.threadId)
    );
  }
  if (temp.creator === undefined) {
    // A name of an older version, which carries the pid alone.
    if (temp.pid !== runtime.pid) return !runtime.isProcessAlive(temp.pid);
    return !(await isActive(runtime, dir, entry));
  }
  switch (creatorState(runtime, temp.creator)) {
    case "this-thread":
      return !(await isActive(runtime, dir, entry));
    case "this-process":
      return scope.deadThreads.has(temp.creator.threadId);
    case "previous-process":
    case "dead-process":
    case "other-boot":
      return true;
    default:
      return false;
  }
}

/**
 * Whether `entry` of `dir` is one of this thread's writes in progress. The registry holds paths as
 * their writers spelled them; `dir` may be spelled otherwise (a symlinked directory, a root that is
 * a link to another sink's root), so directories are compared by identity (device and inode).
 */
async function isActive(runtime: FsSinkRuntime, dir: string, entry: string): Promise<boolean> {
  let here: DirIdentity | undefined;
  for (const path of activeFiles()) {
    if (basename(path) !== entry) continue;
    if (dirname(path) === dir) return true;
    here ??= await dirIdentity(runtime, dir);
    const there = await dirIdentity(runtime, dirname(path));
    // Unknown identities count as the same directory: better an orphan kept than a file lost.
    if (here === undefined || there === undefined) return true;
    if (here.dev === there.dev && here.ino === there.ino) return true;
  }
  return false;
}

interface DirIdentity {
  readonly dev: number;
  readonly ino: number;
}

async function dirIdentity(runtime: FsSinkRuntime, dir: string): Promise<DirIdentity | undefined> {
  try {
    const stats = (await runtime.fs.stat(dir)) as { dev?: unknown; ino: number };
    if (typeof stats.dev !== "number" || stats.ino === 0) return undefined;
    return { dev: stats.dev, ino: stats.ino };
  } catch {
    return undefined;
  }
}
