import type { FsPort, TargetId } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { NO_HARD_LINKS } from "../no-hard-links.js";
import { syncDirectory } from "../write/sync-directory.js";

/** What {@link putBack} did with a version moved aside by mistake. */
export type PutBackOutcome = "restored" | "kept";

/**
 * Gives a version that a quarantine moved aside by mistake (a write landed between the check and
 * the move) its name back: `link(moved → real)`, which never replaces a file, then removes
 * `moved`. `"kept"` when `real` exists again (a write landed after the move): that file is left
 * alone and the moved version stays under its quarantine name, never deleted. Without hard links,
 * an existence check and a rename (a write landing in between is replaced: use the lock there).
 * Rejects (leaving `moved` in place) when the file system fails.
 */
export async function putBack(
  context: FsSinkContext,
  target: TargetId,
  dir: string,
  moved: string,
  real: string,
): Promise<PutBackOutcome> {
  const { fs } = context.runtime;
  let how: "linked" | "renamed";
  try {
    how = await restoreName(fs, moved, real);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return "kept";
    throw fsFailure(error, "rename", target, { movedTo: moved });
  }
  if (how === "linked") await fs.unlink(moved).catch(() => undefined);
  // Best effort: the restored file was durable before the move, and the caller reports ERR_STALE
  // either way, so that the file is read again.
  if (context.settings.durable) await syncDirectory(fs, dir, target).catch(() => false);
  return "restored";
}

async function restoreName(fs: FsPort, moved: string, real: string): Promise<"linked" | "renamed"> {
  try {
    await fs.link(moved, real);
    return "linked";
  } catch (error) {
    if (!NO_HARD_LINKS.has(errorCode(error) ?? "")) throw error;
  }
  try {
    await fs.lstat(real);
  } catch (missing) {
    if (errorCode(missing) !== "ENOENT") throw missing;
    await fs.rename(moved, real);
    return "renamed";
  }
  throw Object.assign(new Error(`${real} exists`), { code: "EEXIST" });
}
