import { basename, dirname, join } from "node:path";
import type { FsFileHandle } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { NO_HARD_LINKS } from "../no-hard-links.js";
import { activeFiles } from "../sweep/active-files.js";
import { tempFileName } from "../temp-file-name.js";

/** A lock file this thread just created, open for heartbeats. */
export interface CreatedLock {
  readonly handle: FsFileHandle;
}

async function writeRecord(handle: FsFileHandle, bytes: Uint8Array, path: string): Promise<void> {
  const { bytesWritten } = await handle.write(bytes, 0, bytes.byteLength, 0);
  if (bytesWritten !== bytes.byteLength) {
    throw Object.assign(new Error(`short write of lock file ${path}`), { code: "EIO" });
  }
}

/**
 * Creates the lock file `path` holding `record`, or resolves `undefined` when it exists. The record
 * goes into a private temp file first, which is then hard-linked to `path`: `link` fails with
 * `EEXIST` atomically, and the lock file never exists without its owner, even if this process is
 * killed half-way (the temp file it leaves names its creator, so the sweep deletes it). No fsync:
 * a lock never needs to survive a power loss, which ends every owner; an empty file a power loss
 * might leave is abandoned after {@link UNOWNED_LOCK_GRACE_MS}. The handle stays open: it is the
 * lock file's inode, rewritten in place by heartbeats.
 */
export async function createLockFile(
  runtime: FsSinkRuntime,
  path: string,
  record: Uint8Array,
): Promise<CreatedLock | undefined> {
  const temp = join(
    dirname(path),
    tempFileName(basename(path).slice(1), runtime.pid, runtime.random),
  );
  activeFiles().add(temp);
  let handle: FsFileHandle | undefined;
  let linked = false;
  try {
    handle = await runtime.fs.open(temp, "wx", 0o644);
    await writeRecord(handle, record, temp);
    try {
      await runtime.fs.link(temp, path);
      linked = true;
    } catch (error) {
      const code = errorCode(error) ?? "";
      if (code !== "EEXIST" && !NO_HARD_LINKS.has(code)) throw error;
      await handle.close();
      handle = undefined;
      if (code === "EEXIST") return undefined;
    }
    if (handle === undefined) return await createLockFileInPlace(runtime, path, record);
    const created: CreatedLock = { handle };
    handle = undefined;
    return created;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    if (linked) await runtime.fs.unlink(path).catch(() => undefined);
    throw error;
  } finally {
    await runtime.fs.unlink(temp).catch(() => undefined);
    activeFiles().delete(temp);
  }
}

/**
 * Without hard links: `O_EXCL` on the lock file itself, then the record. Killed in between, this
 * leaves an empty lock file, which others break after {@link UNOWNED_LOCK_GRACE_MS}.
 */
async function createLockFileInPlace(
  runtime: FsSinkRuntime,
  path: string,
  record: Uint8Array,
): Promise<CreatedLock | undefined> {
  let handle: FsFileHandle;
  try {
    handle = await runtime.fs.open(path, "wx", 0o644);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return undefined;
    throw error;
  }
  try {
    await writeRecord(handle, record, path);
    return { handle };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await runtime.fs.unlink(path).catch(() => undefined);
    throw error;
  }
}
