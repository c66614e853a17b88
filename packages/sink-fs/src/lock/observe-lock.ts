import { type FsFileHandle, type FsStats, PersistenceError } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { openRegularFile, readRegularFile } from "../read/open-regular-file.js";
import { type LockOwner, parseLockOwner } from "./owner-record.js";

/** A lock file as observed by someone who wants it. */
export interface ObservedLock {
  readonly owner: LockOwner | undefined;
  readonly ino: number;
  readonly mtimeMs: number;
}

/** Reads the lock file through one handle, so that the record and the stats are of one file. */
export async function observe(
  runtime: FsSinkRuntime,
  path: string,
): Promise<ObservedLock | undefined> {
  let handle: FsFileHandle;
  let stats: FsStats;
  try {
    // Non-blocking and type-checked: a FIFO named like a lock file must not hang the lock.
    ({ handle, stats } = await openRegularFile(runtime.fs, path, { target: path, stage: "lock" }));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return observeDanglingLink(runtime, path);
    if (errorCode(error) === "ELOOP") throw symlinkLoop(path, error);
    throw error;
  }
  try {
    const buffer = new Uint8Array(Math.min(Math.max(stats.size, 0), 64 * 1024));
    let length = 0;
    while (length < buffer.byteLength) {
      const { bytesRead } = await handle.read(buffer, length, buffer.byteLength - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return {
      owner: parseLockOwner(buffer.subarray(0, length)),
      ino: stats.ino,
      mtimeMs: stats.mtimeMs,
    };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * A loop of symlinks at the lock path: no lock file can ever be read or made there, so waiting or
 * retrying is pointless (`ERR_INVALID_TARGET`, `details.reason: "symlink-loop"`).
 */
function symlinkLoop(path: string, cause: unknown): PersistenceError {
  return new PersistenceError(
    "ERR_INVALID_TARGET",
    `the lock file ${JSON.stringify(path)} is a loop of symlinks`,
    { stage: "lock", target: path, details: { reason: "symlink-loop", osCode: "ELOOP" }, cause },
  );
}

/**
 * After an open found nothing: a dangling symlink at the lock path (the open followed it to a
 * missing file) is a lock file without a readable owner record, judged by its own mtime like any
 * other (see `staleReason`), and broken by unlinking the link, never what it names. Anything else
 * (nothing there, or a file that appeared meanwhile) is `undefined`: look again.
 */
async function observeDanglingLink(
  runtime: FsSinkRuntime,
  path: string,
): Promise<ObservedLock | undefined> {
  let stats: FsStats;
  try {
    stats = await runtime.fs.lstat(path);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  if (!stats.isSymbolicLink()) return undefined;
  return { owner: undefined, ino: stats.ino, mtimeMs: stats.mtimeMs };
}

/**
 * Reads the lock file again for {@link breakLock}. A lock known by its token needs only its record
 * (one `readFile`, as cheap as a release can be); a record-less one needs its inode and mtime too.
 */
export async function observeAgain(
  runtime: FsSinkRuntime,
  path: string,
  observed: ObservedLock,
): Promise<ObservedLock | undefined> {
  if (observed.owner === undefined) return observe(runtime, path);
  try {
    const bytes = await readRegularFile(runtime.fs, path, { target: path, stage: "lock" });
    return { owner: parseLockOwner(bytes), ino: 0, mtimeMs: 0 };
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

/** What identifies one lock: its token, or for a record-less file its inode and mtime. */
export function lockKey(observed: ObservedLock): string {
  return observed.owner?.token ?? `unowned-${observed.ino}-${observed.mtimeMs}`;
}
