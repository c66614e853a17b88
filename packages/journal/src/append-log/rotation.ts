import { constants } from "node:fs";
import type { FsFileHandle } from "@snapwrite/core";
import { openRegularFile } from "@snapwrite/sink-fs";
import { listDir, readInto, syncDir } from "../journal-fs.js";
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
  await retain(log, next);
  return next;
}

/**
 * Deletes the oldest rotated files beyond `keep` or `maxTotalBytes`, and with them the copies of
 * cut bytes made while they were active (see {@link removeCopiesBefore}); `active` is the file just
 * started.
 */
async function retain(log: LogState, active: Active): Promise<void> {
  const { keep, maxTotalBytes } = log.rotation;
  if (keep === undefined && maxTotalBytes === undefined) return;
  // One listing serves both the rotated files and the copies of cut bytes.
  const names = await listDir(log.fs, log.files.dir);
  const rotated = await rotatedFiles(log, names);
  const sizes = await Promise.all(
    rotated.map(async (r) => (await log.fs.lstat(log.files.path(r.file))).size),
  );
  let total = sizes.reduce((a, b) => a + b, 0);
  let removed = false;
  let kept = 0;
  for (; kept < rotated.length; kept++) {
    const left = rotated.length - kept;
    if (
      left <= (keep ?? Number.POSITIVE_INFINITY) &&
      total <= (maxTotalBytes ?? Number.POSITIVE_INFINITY)
    )
      break;
    await log.fs
      .unlink(log.files.path((rotated[kept] as { file: string }).file))
      .catch(() => undefined);
    total -= sizes[kept] as number;
    removed = true;
  }
  // The oldest file kept: a copy made before it was started belongs to a file deleted now or before.
  const oldest = rotated[kept];
  const since =
    oldest === undefined ? active.header.createdAt : await createdAtOf(log, oldest.file);
  const copies = since === undefined ? false : await removeCopiesBefore(log, since, names);
  if (removed || copies) await syncDir(log.fs, log.files.dir);
}

/**
 * Deletes the copies of cut bytes of this log (`<active>.torn-<time>-<tag>`,
 * `<active>.failed-<time>-<tag>`: regular files, exactly so named) whose time is before `since`,
 * the time the oldest file kept was started (its header's `createdAt`): they were cut from a file
 * that was active before it, one retention deleted; `names` is the directory's listing from the
 * start of the retention (a copy made after it is newer than `since`). Best effort, like the
 * deletion of rotated files; resolves whether it deleted any.
 */
async function removeCopiesBefore(
  log: LogState,
  since: number,
  names: readonly string[],
): Promise<boolean> {
  let removed = false;
  for (const file of names) {
    const time = log.files.parseCopy(file);
    if (time === undefined || time >= since) continue;
    const path = log.files.path(file);
    const stats = await log.fs.lstat(path).catch(() => undefined);
    if (stats?.isFile() !== true) continue;
    try {
      await log.fs.unlink(path);
      removed = true;
    } catch {
      // Best effort: the copy stays until the next rotation deletes it.
    }
  }
  return removed;
}

/** Bytes read from a rotated file's start for its header (a header is far shorter). */
const HEADER_WINDOW = 64 * 1024;

/**
 * The time rotated file `file` was started (its header's `createdAt`); `undefined` when that cannot
 * be told (the file is gone, is no regular file, or its header does not parse): then no copy is
 * deleted.
 */
async function createdAtOf(log: LogState, file: string): Promise<number | undefined> {
  const path = log.files.path(file);
  let handle: FsFileHandle | undefined;
  try {
    if (!(await log.fs.lstat(path)).isFile()) return undefined;
    const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
    ({ handle } = await openRegularFile(log.fs, path, { target: file, stage: "rename" }, flags));
    return log.format.parseHeader(await readInto(handle, new Uint8Array(HEADER_WINDOW), 0))
      .createdAt;
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
