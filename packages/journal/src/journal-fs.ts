import * as nodeFs from "node:fs/promises";
import type { FsFileHandle, FsPort } from "@snapwrite/core";
import { PersistenceError, type WriteStage } from "@snapwrite/core";
import { fsFailure, makeDirectories } from "@snapwrite/sink-fs";

/** The default file system: `node:fs/promises`. */
export const defaultFs: FsPort = nodeFs as unknown as FsPort;

/** Error codes meaning "this platform cannot fsync a directory", not a failed fsync. */
const DIR_SYNC_UNSUPPORTED = new Set(["EISDIR", "EINVAL", "ENOTSUP", "EOPNOTSUPP"]);

/** The `code` of a Node system error (`"ENOENT"`, …), `undefined` for anything else. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True when `error` is a Node system error with code `ENOENT`. */
export function isNotFound(error: unknown): boolean {
  return codeOf(error) === "ENOENT";
}

/** True when `error` is a Node system error with code `EEXIST`. */
export function isExists(error: unknown): boolean {
  return codeOf(error) === "EEXIST";
}

/**
 * Wraps an OS error as a `PersistenceError` naming the stage and the file, mapped as sink-fs maps
 * it (a name longer than the file system allows, `ENAMETOOLONG`, is `ERR_INVALID_TARGET` with
 * `details.reason: "name-too-long"`, which no retry changes), with `extra` added to its details
 * (`{ op: "unlink" }`: which call of a stage failed). A `PersistenceError` passes through unchanged.
 */
export function fsError(
  error: unknown,
  stage: WriteStage,
  target: string,
  extra?: Readonly<Record<string, unknown>>,
): PersistenceError {
  return fsFailure(error, stage, target, extra);
}

/** Fsyncs directory `dir` (open, sync, close); platforms that cannot are tolerated. */
export async function syncDir(fs: FsPort, dir: string): Promise<void> {
  let handle: FsFileHandle;
  try {
    handle = await fs.open(dir, "r");
  } catch (error) {
    if (DIR_SYNC_UNSUPPORTED.has(codeOf(error) ?? "")) return;
    throw fsError(error, "sync-dir", dir);
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!DIR_SYNC_UNSUPPORTED.has(codeOf(error) ?? "")) {
      await handle.close().catch(() => undefined);
      throw fsError(error, "sync-dir", dir);
    }
  }
  await handle.close().catch(() => undefined);
}

/**
 * The error of a journal or log directory that is not one: a FIFO, a regular file or anything but
 * a directory at `dir` (or at one of its parents), `ERR_INVALID_TARGET` with `details: { reason:
 * "not-a-directory", path: dir }`. Neither `mkdir` nor `readdir` opens such a file, so nothing
 * waits on a FIFO there.
 */
export function notADirectory(dir: string, cause: unknown): PersistenceError {
  return new PersistenceError("ERR_INVALID_TARGET", `${JSON.stringify(dir)} is not a directory`, {
    stage: "open",
    target: dir,
    cause,
    details: { reason: "not-a-directory", path: dir },
  });
}

/**
 * Creates directory `dir` (and its parents) when missing, with sink-fs `makeDirectories` (so a full
 * or read-only disk is `ENOSPC` / `EROFS`, not the `ENOENT` Node's recursive `mkdir` reports).
 * Something else at its name (`EEXIST`) or at a parent's (`ENOTDIR`) is {@link notADirectory};
 * other failures are mapped OS errors.
 */
export async function ensureDir(fs: FsPort, dir: string): Promise<void> {
  try {
    await makeDirectories(fs, dir);
  } catch (error) {
    const code = codeOf(error);
    if (code === "EEXIST" || code === "ENOTDIR") throw notADirectory(dir, error);
    throw fsError(error, "open", dir);
  }
}

/** Lists `dir`, or `[]` when it does not exist; a non-directory there is {@link notADirectory}. */
export async function listDir(fs: FsPort, dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    if (codeOf(error) === "ENOTDIR") throw notADirectory(dir, error);
    throw fsFailure(error, "open", dir, undefined, "read");
  }
}

/**
 * Creates `path` exclusively with `bytes`, fsyncs it and its directory. Used for quarantine copies
 * of torn bytes and repair temps, which must never overwrite anything. When a step after the
 * create fails (a full disk), the file is removed again, so a failed call leaves nothing behind;
 * when the create itself fails (the name is taken, maybe by someone else), nothing is touched.
 */
export async function writeNewFile(
  fs: FsPort,
  dir: string,
  path: string,
  bytes: Uint8Array,
): Promise<void> {
  let handle: FsFileHandle;
  try {
    handle = await fs.open(path, "wx", 0o600);
  } catch (error) {
    throw fsError(error, "open", path);
  }
  try {
    let at = 0;
    while (at < bytes.byteLength) {
      const { bytesWritten } = await handle.write(bytes, at, bytes.byteLength - at, at);
      if (bytesWritten <= 0) throw new Error("short write");
      at += bytesWritten;
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.unlink(path).catch(() => undefined);
    throw fsError(error, "write", path);
  }
  await handle.close().catch(() => undefined);
  try {
    await syncDir(fs, dir);
  } catch (error) {
    await fs.unlink(path).catch(() => undefined);
    throw error;
  }
}

/** Fills `buffer` from `position` until it is full or the file ends; returns the part read. */
export async function readInto(
  handle: FsFileHandle,
  buffer: Uint8Array,
  position: number,
): Promise<Uint8Array> {
  let at = 0;
  while (at < buffer.byteLength) {
    const { bytesRead } = await handle.read(buffer, at, buffer.byteLength - at, position + at);
    if (bytesRead <= 0) break;
    at += bytesRead;
  }
  return buffer.subarray(0, at);
}

/** Stops a `writev` that makes no progress from spinning forever. */
const MAX_ZERO_WRITES = 3;

/**
 * Writes all of `buffers` at `position`. A short write goes on from where it stopped, so the
 * error that cut it (`ENOSPC` on a full disk, say) surfaces from the next call with its OS code;
 * only calls that write nothing three times in a row, or report an impossible count, end in a
 * plain `Error` (`ERR_IO` once mapped).
 */
export async function writeAllAt(
  handle: FsFileHandle,
  buffers: readonly Uint8Array[],
  position: number,
): Promise<void> {
  let pending = [...buffers];
  let at = position;
  let zeroWrites = 0;
  while (pending.length > 0) {
    let wanted = 0;
    for (const buffer of pending) wanted += buffer.byteLength;
    if (wanted === 0) return;
    const { bytesWritten } = await handle.writev(pending, at);
    if (!Number.isSafeInteger(bytesWritten) || bytesWritten < 0 || bytesWritten > wanted) {
      throw new Error(`writev reported ${bytesWritten} bytes written of ${wanted}`);
    }
    if (bytesWritten === 0) {
      zeroWrites += 1;
      if (zeroWrites >= MAX_ZERO_WRITES) {
        throw new Error(`writev made no progress: ${wanted} bytes left at offset ${at}`);
      }
      continue;
    }
    zeroWrites = 0;
    at += bytesWritten;
    pending = rest(pending, bytesWritten);
  }
}

/** What is left of `buffers` once their first `written` bytes are written. */
function rest(buffers: Uint8Array[], written: number): Uint8Array[] {
  let skip = written;
  let head = 0;
  while (head < buffers.length && skip >= (buffers[head] as Uint8Array).byteLength) {
    skip -= (buffers[head] as Uint8Array).byteLength;
    head += 1;
  }
  const left = buffers.slice(head);
  if (skip > 0 && left.length > 0) left[0] = (left[0] as Uint8Array).subarray(skip);
  return left;
}
