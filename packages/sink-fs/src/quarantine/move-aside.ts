import { relative, resolve, sep } from "node:path";
import type { PersistenceError, TargetId } from "@snapwrite/core";
import { pathFailure } from "../blocked-path.js";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { notRegularFile } from "../read/open-regular-file.js";
import { syncDirectory } from "../write/sync-directory.js";
import { changedError } from "./changed-error.js";
import { fileHoldsBytes } from "./file-holds-bytes.js";
import { pruneQuarantined } from "./prune-quarantined.js";
import { putBack } from "./put-back.js";
import { claimQuarantineName } from "./quarantine-name.js";

/**
 * Moves `real` (named `name`, in `dir`) to a fresh `<name>.corrupt-<ms>[-n]` with one `rename` onto
 * a claimed name, prunes old ones, and returns where it went: a target id, or an absolute path when
 * that is outside the root. The rename takes whatever file holds the name at that instant and
 * deletes nothing, so a write of another sink or process that lands meanwhile is either moved as a
 * whole or left in place. With `expected`, the moved file is checked afterwards: when it is not the
 * version that failed (a write landed before the rename), it is put back (see `putBack`) and the
 * quarantine rejects with `ERR_STALE`.
 */
export async function moveAside(
  context: FsSinkContext,
  target: TargetId,
  real: string,
  dir: string,
  name: string,
  expected?: Uint8Array,
): Promise<string> {
  const { fs, clock } = context.runtime;
  let moved: string;
  try {
    moved = await claimQuarantineName(fs, dir, name, clock.now());
  } catch (error) {
    throw fsFailure(error, "rename", target, undefined, "read");
  }
  try {
    await fs.rename(real, moved);
  } catch (error) {
    await fs.unlink(moved).catch(() => undefined);
    throw await renameFailure(context, target, real, error);
  }
  if (expected !== undefined) await confirmMoved(context, target, { dir, moved, real }, expected);
  await pruneQuarantined(fs, dir, name, context.settings.maxQuarantined);
  if (context.settings.durable) await syncDirectory(fs, dir, target);
  return quarantineId(context, moved);
}

/**
 * Why the rename of `real` aside failed. A directory there cannot be renamed onto the claimed file
 * (`ENOTDIR`, `EISDIR`): no quarantine of it can ever succeed, `ERR_INVALID_TARGET` with
 * `details.reason: "not-a-regular-file"`, as a read of it reports. Anything else as `pathFailure`
 * maps it.
 */
async function renameFailure(
  context: FsSinkContext,
  target: TargetId,
  real: string,
  error: unknown,
): Promise<PersistenceError> {
  const { fs } = context.runtime;
  const code = errorCode(error);
  if (code === "ENOTDIR" || code === "EISDIR") {
    const isDirectory = await fs.lstat(real).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (isDirectory) return notRegularFile(real, { target, stage: "rename" });
  }
  return pathFailure(fs, real, error, { target, stage: "rename" });
}

/** Where a quarantine moved one file. */
interface Move {
  readonly dir: string;
  readonly moved: string;
  readonly real: string;
}

/** Resolves when `moved` holds `expected`; otherwise puts it back and rejects. */
async function confirmMoved(
  context: FsSinkContext,
  target: TargetId,
  { dir, moved, real }: Move,
  expected: Uint8Array,
): Promise<void> {
  let holds: boolean;
  try {
    holds = await fileHoldsBytes(context.runtime.fs, moved, expected, { target, stage: "rename" });
  } catch (error) {
    // Unknown whether this is the version that failed: give it its name back if that is free.
    await putBack(context, target, dir, moved, real).catch(() => undefined);
    throw fsFailure(error, "rename", target, undefined, "read");
  }
  if (holds) return;
  const outcome = await putBack(context, target, dir, moved, real);
  throw changedError(
    target,
    outcome === "kept" ? { keptAt: quarantineId(context, moved) } : undefined,
  );
}

/** `path` as a target id when it is inside the root, else as it is (absolute). */
function quarantineId(context: FsSinkContext, path: string): string {
  const inside = relative(context.root, path);
  return inside.startsWith("..") || resolve(context.root, inside) !== path
    ? path
    : inside.split(sep).join("/");
}
