import { join } from "node:path";
import { type FsPort, type FsStats, isPersistenceError, type TargetId } from "@snapwrite/core";
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
 *
 * When `<name>.bak` already is a link to the primary's file (a write stopped between this step and
 * its final rename, or another writer of the same path without the lock, left it so), the rename
 * does nothing and succeeds (POSIX), and the staged name stays: it is removed after the rename.
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
    await renameOverBackup(context, staging, bak, target);
    await removeStaging(fs, staging, target);
    return true;
  } catch (error) {
    await fs.unlink(staging).catch(() => undefined);
    throw error;
  } finally {
    activeFiles().delete(staging);
  }
}

/** Removes the staged name a rename onto the same file left in place (usually it is gone). */
async function removeStaging(fs: FsPort, staging: string, target: TargetId): Promise<void> {
  try {
    await fs.unlink(staging);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") {
      throw fsFailure(error, "rename", target, { op: "backup-unlink" });
    }
  }
}

/**
 * Renames the staged backup over `<name>.bak`. A directory there (`EISDIR`) is no backup of ours
 * and no retry changes it: `ERR_INVALID_TARGET`, as a non-regular file at the target is.
 */
async function renameOverBackup(
  context: FsSinkContext,
  staging: string,
  bak: string,
  target: TargetId,
): Promise<void> {
  try {
    await renameWithRetry(context.runtime, staging, bak, target, context.settings.retry, undefined);
  } catch (error) {
    if (isPersistenceError(error) && errorCode(error.cause) === "EISDIR") {
      throw notRegularFile(bak, { target, stage: "rename" });
    }
    throw error;
  }
}
