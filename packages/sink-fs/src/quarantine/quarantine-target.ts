import { basename, dirname, join } from "node:path";
import { PersistenceError, type TargetId } from "@snapwrite/core";
import type { SinkQuarantineNowOptions } from "@snapwrite/core/sink-kit";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { acquireTargetLock } from "../lock/acquire-lock.js";
import { lockFileName } from "../lock/lock-file-name.js";
import { assertInsideRoot, resolveLinks } from "../read/symlink-jail.js";
import { targetPath } from "../read/target-path.js";
import { fileHoldsBytes } from "./file-holds-bytes.js";
import { moveAside } from "./move-aside.js";

/**
 * Moves the target's file aside (see `moveAside`). With `expected`, only while the file holds
 * exactly those bytes, checked under the cross-process lock when there is one; else `ERR_STALE`.
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
  // Under the lock, a write of another process cannot land between the check and the move.
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
    if (!holds) {
      throw new PersistenceError(
        "ERR_STALE",
        `not quarantining ${JSON.stringify(target)}: it changed since it was read`,
        { stage: "rename", target, details: { reason: "changed" } },
      );
    }
    await lock?.verify();
    return await moveAside(context, target, real, dir, name);
  } finally {
    await lock?.release();
  }
}
