import { type FsPort, PersistenceError, type WriteStage } from "@snapwrite/core";
import { isNotFound } from "./journal-fs.js";

/**
 * What a failed open or read of the journal file `path` (listed a moment ago) means. `ENOENT` can
 * be a file removed since (a compaction deleting a segment: `error` as it is) or a symlink at its
 * name that leads nowhere: a segment that cannot be read, `ERR_INVALID_TARGET` with `details: {
 * reason: "dangling-symlink", path }` — not a missing file, which replay would take for a gap.
 * Anything else, and a failed `lstat`, is `error` as it is.
 */
export async function danglingLinkOr(
  fs: FsPort,
  path: string,
  error: unknown,
  stage: WriteStage = "open",
): Promise<unknown> {
  if (!isNotFound(error)) return error;
  try {
    if (!(await fs.lstat(path)).isSymbolicLink()) return error;
  } catch {
    return error;
  }
  return new PersistenceError(
    "ERR_INVALID_TARGET",
    `${JSON.stringify(path)} is a symlink that leads nowhere, not a journal segment`,
    { stage, target: path, cause: error, details: { reason: "dangling-symlink", path } },
  );
}
