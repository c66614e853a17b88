import { join } from "node:path";
import type { FsFileHandle, FsPort, TargetId } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { notRegularFile } from "../read/open-regular-file.js";
import { activeFiles } from "../sweep/active-files.js";
import { tempFileName } from "../temp-file-name.js";

const MAX_TEMP_NAME_TRIES = 8;

/** A temp file this thread created and has open. */
export interface OpenTempFile {
  readonly path: string;
  readonly handle: FsFileHandle;
}

/**
 * The mode the new version gets: the existing target's own, or `mode` for a new one. Refuses a
 * FIFO, socket or device at the target: not ours to replace (nor to link into `.bak`).
 */
export async function finalMode(
  fs: FsPort,
  real: string,
  target: TargetId,
  mode: number,
): Promise<number> {
  try {
    const current = await fs.stat(real);
    if (!current.isFile()) throw notRegularFile(real, { target, stage: "open" });
    return current.mode & 0o7777;
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw fsFailure(error, "open", target);
    return mode;
  }
}

/**
 * Step 1: creates an exclusive (`O_EXCL`, mode `0o600`) temp file next to the target, named after
 * this process so the sweep can tell whose it is, and registers it as in use before it exists.
 */
export async function openExclusiveTemp(
  runtime: FsSinkRuntime,
  dir: string,
  name: string,
  target: TargetId,
): Promise<OpenTempFile> {
  for (let tries = 1; ; tries += 1) {
    const candidate = join(dir, tempFileName(name, runtime.pid, runtime.random));
    activeFiles().add(candidate);
    try {
      return { path: candidate, handle: await runtime.fs.open(candidate, "wx", 0o600) };
    } catch (error) {
      activeFiles().delete(candidate);
      if (errorCode(error) !== "EEXIST" || tries >= MAX_TEMP_NAME_TRIES) {
        throw fsFailure(error, "open", target, { path: candidate });
      }
    }
  }
}

/**
 * Step 3: sets the final mode, then (with durability) fsyncs, so that the fsync makes the mode
 * durable with the data.
 */
export async function syncTemp(
  handle: FsFileHandle,
  mode: number,
  durable: boolean,
  target: TargetId,
): Promise<void> {
  try {
    await handle.chmod(mode);
  } catch (error) {
    throw fsFailure(error, "sync", target, { op: "chmod" });
  }
  if (!durable) return;
  try {
    await handle.sync();
  } catch (error) {
    throw fsFailure(error, "sync", target, { op: "fsync" });
  }
}

/** Closes the synced temp file (a failed close is a failed sync: the data may not be there). */
export async function closeTemp(handle: FsFileHandle, target: TargetId): Promise<void> {
  try {
    await handle.close();
  } catch (error) {
    throw fsFailure(error, "sync", target, { op: "close" });
  }
}

/** Removes a temp file of a failed write: closes it if still open, unlinks it, unregisters it. */
export async function discardTemp(
  fs: FsPort,
  handle: FsFileHandle | undefined,
  path: string | undefined,
): Promise<void> {
  if (handle !== undefined) await handle.close().catch(() => undefined);
  if (path === undefined) return;
  await fs.unlink(path).catch(() => undefined);
  activeFiles().delete(path);
}
