import { PersistenceError, type WriteStage } from "../errors/persistence-error.js";
import type { TargetId } from "./target.js";

/** Options of {@link assertValidTarget}. */
export interface AssertValidTargetOptions {
  /** Stage recorded on the error, for sinks that report target problems as part of a write. */
  readonly stage?: WriteStage | undefined;
}

/**
 * Throws `ERR_INVALID_TARGET` unless `target` is a non-empty relative path of `/`-separated segments
 * with no `..`, `.`, empty segment, backslash, NUL or drive prefix, and well-formed UTF-16 (no lone
 * surrogate: UTF-8 turns every one into U+FFFD, so two ids differing only there would name the same
 * file or row). Sinks call it before anything else, passing the `stage` their write reports it at.
 */
export function assertValidTarget(target: TargetId, options: AssertValidTargetOptions = {}): void {
  const problem = targetProblem(target);
  if (problem !== undefined) {
    throw new PersistenceError(
      "ERR_INVALID_TARGET",
      `invalid target ${JSON.stringify(target)}: ${problem}`,
      { stage: options.stage, target, details: { reason: problem } },
    );
  }
}

/** A surrogate code unit not part of a pair: with the `u` flag, a pair matches as one code point. */
const LONE_SURROGATE = /\p{Surrogate}/u;

function targetProblem(target: unknown): string | undefined {
  if (typeof target !== "string") return "not a string";
  if (target.length === 0) return "empty";
  if (target.length > 4096) return "longer than 4096 characters";
  if (target.includes("\0")) return "contains NUL";
  if (LONE_SURROGATE.test(target)) return "contains a lone surrogate (ill-formed UTF-16)";
  if (target.includes("\\")) return "contains a backslash";
  if (target.startsWith("/")) return "absolute path";
  if (/^[A-Za-z]:/.test(target)) return "drive-qualified path";
  for (const segment of target.split("/")) {
    if (segment === "") return "empty path segment";
    if (segment === "." || segment === "..") return `"${segment}" segment`;
  }
  return undefined;
}
