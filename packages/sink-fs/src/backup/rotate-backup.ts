import { join } from "node:path";
import type { FsStats, TargetId } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { NO_HARD_LINKS } from "../no-hard-links.js";
import { notRegularFile } from "../read/open-regular-file.js";
import { activeFiles } from "../sweep/active-files.js";
import { tempFileName } from "../temp-file-name.js";
import { renameWithRetry } from "../write/rename-with-retry.js";
import { copyFile } from "./copy-file.js";

/**
 * Makes `<name>.bak` the current version of the target, which the rename that follows turns into
 * the previous one. The backup is built under a temp name and renamed over the old backup, so the
 * primary is never touched and both names always hold complete files. Resolves `false` when there
 * was no current version to keep.
 */
export async function rotateBackup(
  context: FsSinkContext,
  target: TargetId,
  real: string,
  dir: string,
  name: string,
): Promise<boolean> {
  const { runtime } = context;
  const { fs } = runtime;
  const bak = join(dir, `${name}.bak`);
  const staging = join(dir, tempFileName(`${name}.bak`, runtime.pid, runtime.random));
  activeFiles().add(staging);
  try {
    try {
      await fs.link(real, staging);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT") return false;
      if (!NO_HARD_LINKS.has(code ?? "")) {
        throw fsFailure(error, "rename", target, { op: "backup-link" });
      }
      if (!(await copyFile(fs, target, real, staging, context.settings.durable))) return false;
    }
    // The target may have been swapped for a FIFO since the write checked it: never let a
    // non-regular file become the backup, which reads would then block on.
    let linked: FsStats;
    try {
      linked = await fs.lstat(staging);
    } catch (error) {
      throw fsFailure(error, "rename", target, { op: "backup-link" });
    }
    if (!linked.isFile()) throw notRegularFile(real, { target, stage: "rename" });
    await renameWithRetry(runtime, staging, bak, target, context.settings.retry, undefined);
    return true;
  } catch (error) {
    await fs.unlink(staging).catch(() => undefined);
    throw error;
  } finally {
    activeFiles().delete(staging);
  }
}
