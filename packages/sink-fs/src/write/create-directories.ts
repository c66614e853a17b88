import { dirname, resolve } from "node:path";
import { type FsPort, PersistenceError, type TargetId } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { assertInsideRoot, resolveLinks } from "../read/symlink-jail.js";
import { ancestors, makeDirectories } from "./make-directories.js";
import { syncDirectory } from "./sync-directory.js";

/** Links followed before a chain counts as a loop, as `resolveLinks` does. */
const MAX_LINK_HOPS = 32;

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
    throw (await notADirectory(fs, path, target, error)) ?? fsFailure(error, "open", target);
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

/**
 * When `error` (of resolving or creating the directories of the target at `path`) comes from
 * something no retry can change — a component of its directory, or of the directory its links lead
 * to, that exists and is not a directory (a file, a FIFO, a link to either), a dangling link used as
 * a directory, or a loop of links — `ERR_INVALID_TARGET` (`details.reason:
 * "parent-not-a-directory"` with the `path` of that component, or `"symlink-loop"`). Else
 * `undefined`.
 */
async function notADirectory(
  fs: FsPort,
  path: string,
  target: TargetId,
  error: unknown,
): Promise<PersistenceError | undefined> {
  const code = errorCode(error);
  if (code !== "EEXIST" && code !== "ENOTDIR" && code !== "ELOOP" && code !== "ENOENT") {
    return undefined;
  }
  const invalid = (message: string, details: Record<string, unknown>) =>
    new PersistenceError("ERR_INVALID_TARGET", message, {
      stage: "open",
      target,
      details: { ...details, osCode: code },
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
