import { constants } from "node:fs";
import {
  type FsFileHandle,
  type FsPort,
  type FsStats,
  PersistenceError,
  type WriteStage,
} from "@snapwrite/core";
import { errorCode } from "../error-code.js";

/**
 * Non-blocking: opening a FIFO for reading otherwise waits for a writer forever, in a
 * libuv thread-pool thread that four such waits exhaust (and with it every other `fs` call of the
 * process). `O_NONBLOCK` changes nothing for regular files. Windows has no `O_NONBLOCK` (and no
 * FIFOs on disk).
 */
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Bytes read at a time past the size the file had when it was opened (it may have grown). */
const TAIL_BYTES = 64 * 1024;

/** Where a {@link openRegularFile} call happens, for the error it throws. */
export interface RegularFileContext {
  /** Target the file belongs to. */
  readonly target: string;
  /** Stage to report, when the file is read for a write. */
  readonly stage?: WriteStage | undefined;
}

/**
 * The error of a path that is not a regular file (FIFO, socket, device, directory):
 * `ERR_INVALID_TARGET` with `details.reason: "not-a-regular-file"` and `details.path`.
 */
export function notRegularFile(path: string, context: RegularFileContext): PersistenceError {
  return new PersistenceError(
    "ERR_INVALID_TARGET",
    `${JSON.stringify(path)} of target ${JSON.stringify(context.target)} is not a regular file`,
    {
      stage: context.stage,
      target: context.target,
      details: { reason: "not-a-regular-file", path },
    },
  );
}

/**
 * Opens `path` without ever blocking on it (read-only, or with the numeric open `flags` given, to
 * which `O_NONBLOCK` is always added), and checks on the opened handle (`fstat`, so a path swapped
 * in between cannot slip through) that it is a regular file. Rejects with {@link notRegularFile}
 * otherwise, or with the file system's own error (an OS error with `code`, for the caller to map)
 * when the open fails.
 */
export async function openRegularFile(
  fs: FsPort,
  path: string,
  context: RegularFileContext,
  flags: number = constants.O_RDONLY,
): Promise<{ readonly handle: FsFileHandle; readonly stats: FsStats }> {
  let handle: FsFileHandle;
  try {
    handle = await fs.open(path, flags | NONBLOCK);
  } catch (error) {
    // A socket cannot be opened at all (ENXIO); neither can a FIFO opened write-only without a
    // reader, nor a device without its driver (ENODEV).
    const code = errorCode(error);
    if (code === "ENXIO" || code === "ENODEV") throw notRegularFile(path, context);
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegularFile(path, context);
    return { handle, stats };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Reads the whole regular file at `path` (see {@link openRegularFile}): never blocks on a FIFO,
 * never reads a device forever. Rejects like `openRegularFile`, or with the OS error of a read.
 */
export async function readRegularFile(
  fs: FsPort,
  path: string,
  context: RegularFileContext,
): Promise<Uint8Array> {
  const { handle, stats } = await openRegularFile(fs, path, context);
  try {
    let buffer = new Uint8Array(stats.size);
    let length = 0;
    while (length < buffer.byteLength) {
      const { bytesRead } = await handle.read(buffer, length, buffer.byteLength - length, length);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
    }
    // The file may have grown since the fstat: read on until the end, in small steps.
    while (true) {
      const tail = new Uint8Array(TAIL_BYTES);
      const { bytesRead } = await handle.read(tail, 0, TAIL_BYTES, length);
      if (bytesRead === 0) return buffer;
      const grown = new Uint8Array(length + bytesRead);
      grown.set(buffer.subarray(0, length));
      grown.set(tail.subarray(0, bytesRead), length);
      buffer = grown;
      length += bytesRead;
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}
