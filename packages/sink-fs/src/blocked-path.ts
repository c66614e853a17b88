import { dirname, resolve } from "node:path";
import {
  type FsPort,
  type OsErrorDirection,
  PersistenceError,
  type TargetId,
  type WriteStage,
} from "@snapwrite/core";
import { errorCode } from "./error-code.js";
import { fsFailure } from "./fs-failure.js";
import { ancestors } from "./write/make-directories.js";

/** Links followed before a chain counts as a loop, as `resolveLinks` does. */
const MAX_LINK_HOPS = 32;

/** Where a {@link blockedPath} or {@link pathFailure} error happens. */
export interface BlockedPathContext {
  /** Target the path belongs to. */
  readonly target: TargetId;
  /** Stage to report; none for a read. */
  readonly stage: WriteStage | undefined;
  /** Details added to the error (`{ from }` for a read). */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * When `error` (of a call on the file at `path`, or on the directories leading to it) comes from
 * something no retry can change — a component of its directory, or of the directory its links lead
 * to, that exists and is not a directory (a file, a FIFO, a link to either), a dangling link used as
 * a directory, or a loop of links — `ERR_INVALID_TARGET` (`details.reason:
 * "parent-not-a-directory"` with the `path` of that component, or `"symlink-loop"` with `path`).
 * Else `undefined`. Only `EEXIST`, `ENOTDIR`, `ELOOP` and `ENOENT` are looked into.
 */
export async function blockedPath(
  fs: FsPort,
  path: string,
  error: unknown,
  { target, stage, extra }: BlockedPathContext,
): Promise<PersistenceError | undefined> {
  const code = errorCode(error);
  if (code !== "EEXIST" && code !== "ENOTDIR" && code !== "ELOOP" && code !== "ENOENT") {
    return undefined;
  }
  const invalid = (message: string, details: Record<string, unknown>) =>
    new PersistenceError("ERR_INVALID_TARGET", message, {
      stage,
      target,
      details: { ...details, osCode: code, ...extra },
      cause: error,
    });
  const destination = await linkDestination(fs, path);
  if (destination === undefined) {
    return invalid(`the symlinks of target ${JSON.stringify(target)} form a loop`, {
      reason: "symlink-loop",
      path,
    });
  }
  for (const dir of new Set([dirname(path), dirname(destination)])) {
    const blocker = await firstNonDirectory(fs, dir);
    if (blocker !== undefined) {
      return invalid(
        `${JSON.stringify(blocker)} on the path of target ${JSON.stringify(target)} is not a directory`,
        { reason: "parent-not-a-directory", path: blocker },
      );
    }
  }
  return undefined;
}

/**
 * The error of a failed call on the file at `path` (a read, a quarantine): for `ELOOP` and
 * `ENOTDIR`, {@link blockedPath}'s, which names the component in the way as a write does; else,
 * and when the component cannot be found (it changed since), {@link fsFailure}'s mapping, which
 * makes those two codes `ERR_INVALID_TARGET` too.
 */
export async function pathFailure(
  fs: FsPort,
  path: string,
  error: unknown,
  context: BlockedPathContext,
  direction: OsErrorDirection = "read",
): Promise<PersistenceError> {
  const code = errorCode(error);
  const blocked =
    code === "ELOOP" || code === "ENOTDIR"
      ? await blockedPath(fs, path, error, context)
      : undefined;
  return blocked ?? fsFailure(error, context.stage, context.target, context.extra, direction);
}

/**
 * Where the links from `path` lead, as far as they can be followed (a link whose own location
 * cannot be read ends the walk there); `undefined` for a loop.
 */
async function linkDestination(fs: FsPort, path: string): Promise<string | undefined> {
  let current = path;
  for (let hops = 0; hops <= MAX_LINK_HOPS; hops += 1) {
    try {
      if (!(await fs.lstat(current)).isSymbolicLink()) return current;
      current = resolve(dirname(current), await fs.readlink(current));
    } catch {
      return current;
    }
  }
  return undefined;
}

/**
 * The shallowest component of `dir` that exists but is no directory (links followed), or is a
 * dangling link, if any.
 */
async function firstNonDirectory(fs: FsPort, dir: string): Promise<string | undefined> {
  for (const component of ancestors(dir)) {
    try {
      if (!(await fs.stat(component)).isDirectory()) return component;
    } catch (error) {
      const code = errorCode(error);
      if (code === "ELOOP" || code === "ENOTDIR") return component;
      // Missing: a plain missing directory can still be made; a link to nowhere cannot.
      if (code === "ENOENT" && (await isLink(fs, component))) return component;
      return undefined;
    }
  }
  return undefined;
}

async function isLink(fs: FsPort, path: string): Promise<boolean> {
  try {
    return (await fs.lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}
