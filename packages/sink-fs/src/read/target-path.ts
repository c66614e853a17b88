import { join, sep } from "node:path";
import { PersistenceError, type TargetId, type WriteStage } from "@snapwrite/core";
import { isClaimFileName } from "../lock/claim-file.js";
import { isLockFileName } from "../lock/lock-file-name.js";
import { parseTempFileName } from "../temp-file-name.js";

/**
 * Refuses, with `ERR_INVALID_TARGET`, a target whose name is reserved for the sink's temp, lock and
 * claim files. The target itself was validated already.
 */
export function assertNotReserved(target: TargetId, stage: WriteStage | undefined): void {
  const name = target.slice(target.lastIndexOf("/") + 1);
  if (parseTempFileName(name) !== undefined || isLockFileName(name) || isClaimFileName(name)) {
    throw new PersistenceError(
      "ERR_INVALID_TARGET",
      `invalid target ${JSON.stringify(target)}: the name is reserved for the sink's temp and lock files`,
      { stage, target, details: { reason: "reserved name" } },
    );
  }
}

/** The absolute (lexical) path of a valid `target` inside `root`, or `ERR_INVALID_TARGET`. */
export function targetPath(root: string, target: TargetId, stage: WriteStage | undefined): string {
  const path = join(root, ...target.split("/"));
  if (!path.startsWith(root + sep) && !(root.endsWith(sep) && path.startsWith(root))) {
    throw new PersistenceError(
      "ERR_INVALID_TARGET",
      `invalid target ${JSON.stringify(target)}: resolves outside ${root}`,
      { stage, target, details: { reason: "outside the root" } },
    );
  }
  return path;
}
