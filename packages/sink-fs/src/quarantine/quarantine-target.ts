import { basename, dirname, join } from "node:path";
import type { TargetId } from "@snapwrite/core";
import type { SinkQuarantineNowOptions } from "@snapwrite/core/sink-kit";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { acquireTargetLock } from "../lock/acquire-lock.js";
import { lockFileName } from "../lock/lock-file-name.js";
import { assertInsideRoot, resolveLinks } from "../read/symlink-jail.js";
import { targetPath } from "../read/target-path.js";
import { changedError } from "./changed-error.js";
import { fileHoldsBytes } from "./file-holds-bytes.js";
import { moveAside } from "./move-aside.js";

/**
 * Moves the target's file aside (see `moveAside`). With `expected`, only while the file holds
 * exactly those bytes, else `ERR_STALE`: checked before the move (under the cross-process lock when
 * there is one), and again on the moved file, which is put back when a write of another sink or
 * process landed in between (without the lock nothing else keeps such writes out).
 */
export async function quarantineTarget(
  context: FsSinkContext,
  target: TargetId,
  { expected }: SinkQuarantineNowOptions,
): Promise<string> {
  const path = targetPath(context.root, target, undefined);
  let real: string;
  try {
    real = await resolveLinks(context.runtime.fs, path);
    await assertInsideRoot(context, real, target, "rename");
  } catch (error) {
    throw fsFailure(error, "rename", target, undefined, "read");
  }
  const dir = dirname(real);
  const name = basename(real);
  await context.sweepOnce(dir);
  if (expected === undefined) return moveAside(context, target, real, dir, name);
  // Under the lock, a write of another locking process cannot land between the check and the move;
  // without it, `moveAside` checks the moved file once more.
  const settings = context.settings.lock;
  const lock =
    settings === undefined
      ? undefined
      : await acquireTargetLock(
          context.runtime,
          join(dir, lockFileName(name)),
          target,
          settings,
          undefined,
        );
  try {
    let holds: boolean;
    try {
      holds = await fileHoldsBytes(context.runtime.fs, real, expected, { target, stage: "rename" });
    } catch (error) {
      throw fsFailure(error, "rename", target, undefined, "read");
    }
    if (!holds) throw changedError(target);
    await lock?.verify();
    return await moveAside(context, target, real, dir, name, expected);
  } finally {
    await lock?.release();
  }
}
