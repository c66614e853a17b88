import type { FsFileHandle } from "@snapwrite/core";
import { syncDir } from "../journal-fs.js";
import { createActive } from "./active-file.js";
import { lstatLogFile } from "./log-file-access.js";
import type { Active, LogState } from "./log-state.js";
import { moveToRotated } from "./rotate-move.js";
import { rotatedFiles } from "./rotated-files.js";

/** Whether the active file (holding at least one record) has reached its size or age bound. */
export function rotationDue(log: LogState, active: Active): boolean {
  if (active.nextSeq === active.header.firstSeq) return false;
  if (log.rotation.maxBytes !== undefined && active.size >= log.rotation.maxBytes) return true;
  return (
    log.rotation.maxAgeMs !== undefined &&
    log.clock.now() - active.header.createdAt >= log.rotation.maxAgeMs
  );
}

/**
 * Syncs the active file and moves it to its rotated name (never over another file, never another
 * process's file: see `moveToRotated`), starts the next one and applies retention.
 * A symlink, directory, FIFO, socket or device at the rotated name is refused (`ERR_INVALID_TARGET`,
 * `details.reason` `"symlink"` or `"not-a-regular-file"`) before anything changes: the rename would
 * replace a FIFO or a link, and fails on a directory.
 */
export async function rotateNow(log: LogState, active: Active): Promise<Active> {
  const rotated = log.files.rotated(active.header.firstSeq);
  await lstatLogFile(log.fs, log.files.path(rotated), { target: rotated, stage: "rename" });
  const handle = log.handle as FsFileHandle;
  await handle.datasync();
  log.dirty = false;
  await log.release();
  await moveToRotated(log, active.ino, rotated);
  // The move must be durable before a new file takes the active name, or a power loss could
  // keep the new (empty) file under that name and lose the old one's entry.
  await syncDir(log.fs, log.files.dir);
  const next = await createActive(log, active.nextSeq);
  await retain(log);
  return next;
}

/** Deletes the oldest rotated files beyond `keep` or `maxTotalBytes`. */
async function retain(log: LogState): Promise<void> {
  const { keep, maxTotalBytes } = log.rotation;
  if (keep === undefined && maxTotalBytes === undefined) return;
  const rotated = await rotatedFiles(log);
  const sizes = await Promise.all(
    rotated.map(async (r) => (await log.fs.lstat(log.files.path(r.file))).size),
  );
  let total = sizes.reduce((a, b) => a + b, 0);
  let removed = false;
  for (let i = 0; i < rotated.length; i++) {
    const left = rotated.length - i;
    if (
      left <= (keep ?? Number.POSITIVE_INFINITY) &&
      total <= (maxTotalBytes ?? Number.POSITIVE_INFINITY)
    )
      break;
    await log.fs
      .unlink(log.files.path((rotated[i] as { file: string }).file))
      .catch(() => undefined);
    total -= sizes[i] as number;
    removed = true;
  }
  if (removed) await syncDir(log.fs, log.files.dir);
}
