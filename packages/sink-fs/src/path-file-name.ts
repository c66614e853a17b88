import type { WriteStage } from "@snapwrite/core";
import { isPersistenceError } from "@snapwrite/core";
import { assertValidTarget } from "@snapwrite/core/sink-kit";

/**
 * Throws `assertValidTarget`'s `ERR_INVALID_TARGET` (at `stage`) for the last component `name` of a
 * caller's path (`writeFileAtomic`, `lockFile`) that is no valid one-segment target id: a NUL, a
 * lone surrogate (the file system stores it as U+FFFD, so two spellings would name one file), … A
 * path is not a target id, though: on POSIX `a\b.json` and `c:` are plain file names, accepted
 * here (Windows refuses them).
 */
export function assertPathFileName(name: string, stage: WriteStage): void {
  try {
    assertValidTarget(name, { stage });
  } catch (error) {
    const reason = isPersistenceError(error) ? error.details?.reason : undefined;
    const portabilityOnly = reason === "contains a backslash" || reason === "drive-qualified path";
    if (!portabilityOnly || process.platform === "win32") throw error;
  }
}

/** A lone (unpaired) surrogate: in a `u` regex a well-formed pair is one code point, not two. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * True when a caller's `path` holds a lone surrogate in any component: the file system stores it
 * as U+FFFD, so `x\uD800/f` and `x\uDFFF/f` would name one file (and share one lock).
 */
export function hasLoneSurrogate(path: string): boolean {
  return LONE_SURROGATE.test(path);
}
