import type { FsFileHandle, TargetId } from "@snapwrite/core";
import { abortFailure } from "../abort-failure.js";
import { rotateBackup } from "../backup/rotate-backup.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import type { HeldTargetLock } from "../lock/heartbeat.js";
import { activeFiles } from "../sweep/active-files.js";
import { renameWithRetry } from "./rename-with-retry.js";
import { syncDirectory } from "./sync-directory.js";
import { closeTemp, discardTemp, finalMode, openExclusiveTemp, syncTemp } from "./temp-file.js";
import { writeChunks } from "./write-chunks.js";

/** Where a write goes: the real file (links followed), its directory and its name. */
export interface WriteDestination {
  readonly real: string;
  readonly dir: string;
  readonly name: string;
}

/** What {@link replaceFile} did. */
export interface ReplaceOutcome {
  readonly bytes: number;
  readonly renameAttempts: number;
}

/**
 * Replaces the file atomically, holding `lock` if given: exclusive temp file (1), chunks written
 * (2), mode set and fsynced (3), backup rotated (4), renamed over the file (5). The directory
 * fsync (6) is the caller's. On failure the temp file is removed, the lock released, and the old
 * version stays in place.
 */
export async function replaceFile(
  context: FsSinkContext,
  target: TargetId,
  { real, dir, name }: WriteDestination,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
  lock: HeldTargetLock | undefined,
): Promise<ReplaceOutcome> {
  const { runtime, settings } = context;
  let temp: string | undefined;
  let handle: FsFileHandle | undefined;
  try {
    const mode = await finalMode(runtime.fs, real, target, settings.mode);
    ({ path: temp, handle } = await openExclusiveTemp(runtime, dir, name, target));
    const { bytes } = await writeChunks(handle, chunks, target, settings.batch, signal);
    if (signal?.aborted) throw abortFailure(target, "write", signal);
    await syncTemp(handle, mode, settings.durable, target);
    const open = handle;
    handle = undefined;
    await closeTemp(open, target);
    if (signal?.aborted) throw abortFailure(target, "rename", signal);
    await lock?.verify();
    if (settings.keepBackup && (await rotateBackup(context, target, real, dir, name))) {
      // Directory changes reach the disk in any order unless fsynced: without this, a power
      // loss could keep the new primary but not the rotated backup, losing the previous version.
      if (settings.durable) await syncDirectory(runtime.fs, dir, target);
    }
    if (signal?.aborted) throw abortFailure(target, "rename", signal);
    const renameAttempts = await renameWithRetry(
      runtime,
      temp,
      real,
      target,
      settings.retry,
      signal,
    );
    activeFiles().delete(temp);
    temp = undefined;
    return { bytes, renameAttempts };
  } catch (error) {
    await discardTemp(runtime.fs, handle, temp);
    await lock?.release();
    throw error;
  }
}
