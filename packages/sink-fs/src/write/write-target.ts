import { basename, dirname, join } from "node:path";
import type { TargetId } from "@snapwrite/core";
import type { FsSinkContext } from "../fs-sink-context.js";
import type { FsSinkWriteResult } from "../fs-sink-types.js";
import { acquireTargetLock } from "../lock/acquire-lock.js";
import { lockFileName } from "../lock/lock-file-name.js";
import { targetPath } from "../read/target-path.js";
import { prepareDirectories, removeCreatedDirectories } from "./create-directories.js";
import { replaceFile } from "./replace-file.js";
import { syncDirectory } from "./sync-directory.js";

/**
 * Writes the target with the atomic-write protocol (docs/architecture.md): directories prepared,
 * the directory swept, the lock taken (with `lock`), the file replaced (see `replaceFile`), the
 * directory fsynced (with durability), the lock released. A failed write leaves no trace: the
 * directories it created go again.
 */
export async function writeTarget(
  context: FsSinkContext,
  target: TargetId,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<FsSinkWriteResult> {
  const path = targetPath(context.root, target, "open");
  const created: string[] = [];
  try {
    const real = await prepareDirectories(context, target, path, created);
    return await writeInDirectory(context, target, real, chunks, signal);
  } catch (error) {
    await removeCreatedDirectories(context.runtime.fs, created);
    throw error;
  }
}

/** {@link writeTarget} once the directory of `real` exists. */
async function writeInDirectory(
  context: FsSinkContext,
  target: TargetId,
  real: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<FsSinkWriteResult> {
  const { runtime, settings } = context;
  const dir = dirname(real);
  const name = basename(real);
  await context.sweepOnce(dir);
  const lock =
    settings.lock === undefined
      ? undefined
      : await acquireTargetLock(
          runtime,
          join(dir, lockFileName(name)),
          target,
          settings.lock,
          signal,
        );
  const { bytes, renameAttempts } = await replaceFile(
    context,
    target,
    { real, dir, name },
    chunks,
    signal,
    lock,
  );
  let dirSynced = false;
  try {
    if (settings.durable) dirSynced = await syncDirectory(runtime.fs, dir, target);
  } finally {
    await lock?.release();
  }
  return {
    bytes,
    durable: settings.durable,
    renameAttempts,
    lockWaitMs: lock?.waitedMs ?? 0,
    lockWaits: lock?.waits ?? 0,
    locksBroken: lock?.broken ?? 0,
    dirSynced,
  };
}
