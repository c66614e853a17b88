import { constants } from "node:fs";
import type { FsFileHandle, FsPort, FsStats, WriteStage } from "@snapwrite/core";
import { PersistenceError } from "@snapwrite/core";
import { fsFailure, notRegularFile, openRegularFile, readRegularFile } from "@snapwrite/sink-fs";
import { isNotFound } from "../journal-fs.js";

/**
 * The active file is opened read-write in append mode, never through a symlink (`O_NOFOLLOW`) and
 * never waiting (`O_NONBLOCK`: no effect on a regular file; anything else is refused after the
 * `fstat`). `O_APPEND` makes every write land at the file's end whatever offset the writer
 * remembered, so a writer that lost its lock can never write over another holder's records.
 * Platforms without these flags (Windows) fall back to the `lstat` check before the open.
 */
const ACTIVE_FLAGS =
  constants.O_RDWR | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Where a file of the log is opened, for the error about it. */
interface LogFileContext {
  /** The log file's name, reported as the error's target. */
  readonly target: string;
  readonly stage: WriteStage;
  /** `"read"` for a reader (how `ENOENT` and the like are mapped). */
  readonly direction?: "read" | "write" | undefined;
}

/**
 * The error of a log file that is a symlink: the append log never follows one (a rotation or a tail
 * repair would replace the link, not what it leads to). `ERR_INVALID_TARGET`, `details.reason:
 * "symlink"`.
 */
export function symlinkRefused(path: string, context: LogFileContext): PersistenceError {
  return new PersistenceError(
    "ERR_INVALID_TARGET",
    `${JSON.stringify(path)} is a symlink; an append log's files must be regular files`,
    { stage: context.stage, target: context.target, details: { reason: "symlink", path } },
  );
}

/** Refuses what `lstat` found at a log file's path unless it is a regular file. */
export function checkLogFileStats(stats: FsStats, path: string, context: LogFileContext): void {
  if (stats.isSymbolicLink()) throw symlinkRefused(path, context);
  if (!stats.isFile()) throw notRegularFile(path, context);
}

/**
 * An OS error of a step on a log file as the `PersistenceError` of `context`, mapped as sink-fs maps
 * it (`fsFailure`): a name the file system finds too long (`ENAMETOOLONG`) is the permanent
 * `ERR_INVALID_TARGET` with `details.reason: "name-too-long"`, not a transient `ERR_IO`. A
 * `PersistenceError` passes through unchanged.
 */
export function logFailure(error: unknown, context: LogFileContext): PersistenceError {
  return fsFailure(error, context.stage, context.target, undefined, context.direction);
}

/** `lstat` of a log file, `undefined` when it does not exist; refuses anything but a regular file. */
export async function lstatLogFile(
  fs: FsPort,
  path: string,
  context: LogFileContext,
): Promise<FsStats | undefined> {
  let stats: FsStats;
  try {
    stats = await fs.lstat(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw logFailure(error, context);
  }
  checkLogFileStats(stats, path, context);
  return stats;
}

/**
 * Opens the active file for appending and checks the opened handle; rejects with the OS error
 * (`ENOENT` when it is gone) or with {@link symlinkRefused} / `notRegularFile`.
 */
export async function openActiveFile(
  fs: FsPort,
  path: string,
  context: LogFileContext,
): Promise<{ readonly handle: FsFileHandle; readonly stats: FsStats }> {
  try {
    return await openRegularFile(fs, path, context, ACTIVE_FLAGS);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === "ELOOP") throw symlinkRefused(path, context);
    throw error;
  }
}

/**
 * Reads a whole log file, or `undefined` when it does not exist: a symlink is refused, and so is a
 * FIFO, socket, device or directory (never waited on, never read without end).
 */
export async function readLogFile(
  fs: FsPort,
  path: string,
  context: LogFileContext,
): Promise<Uint8Array | undefined> {
  if ((await lstatLogFile(fs, path, context)) === undefined) return undefined;
  try {
    return await readRegularFile(fs, path, context);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw logFailure(error, context);
  }
}
