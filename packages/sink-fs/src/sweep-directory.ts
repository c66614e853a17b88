import { join } from "node:path";
import { activeFiles } from "./active-files.js";
import { errorCode } from "./error-code.js";
import type { FsSinkRuntime } from "./fs-sink-runtime.js";
import { isLockFileName } from "./lock-file-name.js";
import { removeStaleLock } from "./target-lock.js";
import { parseTempFileName } from "./temp-file-name.js";

/** What a sweep removed. */
export interface FsSweepReport {
  /** Orphan temp files of dead processes that were deleted (absolute paths). */
  readonly removedTemps: readonly string[];
  /** Abandoned lock files that were deleted (absolute paths). */
  readonly removedLocks: readonly string[];
}

/**
 * Deletes, in one directory, the temp files whose creating process is gone and the abandoned lock
 * files. A temp file of a live process (another one, or this one's active writes) is never touched.
 * Problems are swallowed: a sweep is housekeeping and must never fail the operation that ran it.
 */
export async function sweepDirectory(
  runtime: FsSinkRuntime,
  dir: string,
  staleMs: number,
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
    const path = join(dir, entry);
    const temp = parseTempFileName(entry);
    if (temp !== undefined) {
      const orphan =
        temp.pid === runtime.pid ? !activeFiles().has(path) : !runtime.isProcessAlive(temp.pid);
      if (!orphan) continue;
      try {
        const stats = await runtime.fs.lstat(path);
        if (!stats.isFile()) continue;
        await runtime.fs.unlink(path);
        removedTemps.push(path);
      } catch (error) {
        if (errorCode(error) !== "ENOENT") continue;
      }
    } else if (isLockFileName(entry)) {
      try {
        if (await removeStaleLock(runtime, path, staleMs)) removedLocks.push(path);
      } catch {
        // Left for the next sweep or the next lock attempt, which breaks it as well.
      }
    }
  }
  return { removedTemps, removedLocks };
}
