import { dirname } from "node:path";
import type { FsPort, TargetId } from "@snapwrite/core";
import { blockedPath } from "../blocked-path.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { assertInsideRoot, resolveLinks } from "../read/symlink-jail.js";
import { makeDirectories } from "./make-directories.js";
import { syncDirectory } from "./sync-directory.js";

/**
 * Creates the directories up to the target at `path` (and up to where its links lead), checking
 * first that no link leads outside the root, and records every directory it creates in `created`
 * (top first). With durability, fsyncs the parent of each new directory. Resolves with the real
 * path of the file, links followed.
 */
export async function prepareDirectories(
  context: FsSinkContext,
  target: TargetId,
  path: string,
  created: string[],
): Promise<string> {
  const { fs } = context.runtime;
  let real: string;
  try {
    // Checked before mkdir, so that no directory is created through a link leading outside.
    await assertInsideRoot(context, dirname(path), target, "open");
    await makeDirectories(fs, dirname(path), created);
    real = await resolveLinks(fs, path);
    if (real !== path) {
      await assertInsideRoot(context, dirname(real), target, "open");
      await makeDirectories(fs, dirname(real), created);
    }
  } catch (error) {
    throw (
      (await blockedPath(fs, path, error, { target, stage: "open" })) ??
      fsFailure(error, "open", target)
    );
  }
  // A new directory's entry lives in its parent: without fsyncing the parents, a power loss can
  // take the whole new subtree, and the file in it, away after write() resolved.
  if (context.settings.durable) {
    for (const made of created) await syncDirectory(fs, dirname(made), target);
  }
  return real;
}

/**
 * Removes the directories a failed write created, innermost first, each only if empty (a
 * concurrent write may have put a file there meanwhile), so that the write leaves no trace.
 */
export async function removeCreatedDirectories(
  fs: FsPort,
  created: readonly string[],
): Promise<void> {
  const rmdir = fs.rmdir?.bind(fs);
  if (rmdir === undefined) return;
  for (const made of [...created].reverse()) await rmdir(made).catch(() => undefined);
}
