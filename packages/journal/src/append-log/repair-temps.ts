import { isProcessAlive } from "@snapwrite/sink-fs";
import { listDir } from "../journal-fs.js";
import type { LogState } from "./log-state.js";

/**
 * Deletes the temp files of tail repairs whose process is gone (a writer killed between writing
 * the repaired copy and renaming it over the active file): names matching exactly
 * `.<active>.<pid>-<tag>.tmp` of this log, whose pid is not a running process. Run at open, under
 * the lock; a file of a live process (this one included) is never touched. Never fails the open.
 */
export async function sweepRepairTemps(log: LogState): Promise<void> {
  let files: string[];
  try {
    files = await listDir(log.fs, log.files.dir);
  } catch {
    return;
  }
  for (const file of files) {
    const pid = log.files.parseRepairTemp(file);
    if (pid === undefined || pid === process.pid || isProcessAlive(pid)) continue;
    await log.fs.unlink(log.files.path(file)).catch(() => undefined);
  }
}
