import { basename, dirname, join } from "node:path";
import type { TargetId } from "@snapwrite/core";
import type { SinkQuarantineNowOptions } from "@snapwrite/core/sink-kit";
import { pathFailure } from "../blocked-path.js";
import { errorCode } from "../error-code.js";
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
 * Moves the target's file aside (see `moveAside`), under the target's cross-process lock when
 * there is one (waiting for it, or `ERR_LOCKED`, as a write does), so another locking process's
 * write never lands between the checks and the move. With `expected`, only while the file holds
 * exactly those bytes, else `ERR_STALE`: checked before the move, and again on the moved file,
 * which is put back when a write of another sink or process landed in between (without the lock
 * nothing else keeps such writes out).
 */
export async function quarantineTarget(
  context: FsSinkContext,
  target: TargetId,
  { expected }: SinkQuarantineNowOptions,
): Promise<string> {
  const { fs } = context.runtime;
  const path = targetPath(context.root, target, undefined);
  let real: string;
  try {
    real = await resolveLinks(fs, path);
    await assertInsideRoot(context, real, target, "rename");
  } catch (error) {
    throw await pathFailure(fs, path, error, { target, stage: "rename" });
  }
  const dir = dirname(real);
  const name = basename(real);
  await context.sweepOnce(dir);
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
        ).catch((error: unknown) => missingTarget(context, target, real, error));
  try {
    if (expected !== undefined) await checkHolds(context, target, real, expected);
    await lock?.verify();
    return await moveAside(context, target, real, dir, name, expected);
  } finally {
    await lock?.release();
  }
}

/**
 * Why the lock of a quarantine could not be taken: `ERR_NOT_FOUND` when the target itself is not
 * there (its directory missing, so no lock file could be made either), as without a lock; else the
 * lock's own error.
 */
async function missingTarget(
  context: FsSinkContext,
  target: string,
  real: string,
  error: unknown,
): Promise<never> {
  try {
    await context.runtime.fs.lstat(real);
  } catch (missing) {
    if (errorCode(missing) === "ENOENT")
      throw fsFailure(missing, "rename", target, undefined, "read");
  }
  throw error;
}

/** `ERR_STALE` unless the file at `real` holds exactly `expected`. */
async function checkHolds(
  context: FsSinkContext,
  target: TargetId,
  real: string,
  expected: Uint8Array,
): Promise<void> {
  let holds: boolean;
  const { fs } = context.runtime;
  try {
    holds = await fileHoldsBytes(fs, real, expected, { target, stage: "rename" });
  } catch (error) {
    throw await pathFailure(fs, real, error, { target, stage: "rename" });
  }
  if (!holds) throw changedError(target);
}
