import { dirname } from "node:path";
import { type FsPort, PersistenceError, type TargetId } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { assertInsideRoot, resolveLinks } from "../read/symlink-jail.js";
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
    created.push(...(await makeDirectory(fs, dirname(path))));
    real = await resolveLinks(fs, path);
    if (real !== path) {
      await assertInsideRoot(context, dirname(real), target, "open");
      created.push(...(await makeDirectory(fs, dirname(real))));
    }
  } catch (error) {
    throw (
      (await notADirectory(fs, dirname(path), target, error)) ?? fsFailure(error, "open", target)
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

/** `mkdir -p dir`, resolving with the directories it created, top first. */
async function makeDirectory(fs: FsPort, dir: string): Promise<string[]> {
  return createdDirs(dir, await fs.mkdir(dir, { recursive: true }));
}

/**
 * When `error` (of resolving or creating `dir`) comes from a component of `dir` that exists and is
 * not a directory (a file, a FIFO, a link to either, a link loop), which no retry can change:
 * `ERR_INVALID_TARGET` (`details.reason: "parent-not-a-directory"`, `path`). Else `undefined`.
 */
async function notADirectory(
  fs: FsPort,
  dir: string,
  target: TargetId,
  error: unknown,
): Promise<PersistenceError | undefined> {
  const code = errorCode(error);
  if (code !== "EEXIST" && code !== "ENOTDIR" && code !== "ELOOP") return undefined;
  const blocker = await firstNonDirectory(fs, dir);
  if (blocker === undefined) return undefined;
  return new PersistenceError(
    "ERR_INVALID_TARGET",
    `${JSON.stringify(blocker)} on the path of target ${JSON.stringify(target)} is not a directory`,
    {
      stage: "open",
      target,
      details: { reason: "parent-not-a-directory", path: blocker, osCode: code },
      cause: error,
    },
  );
}

/** The shallowest component of `dir` that exists but is no directory (links followed), if any. */
async function firstNonDirectory(fs: FsPort, dir: string): Promise<string | undefined> {
  const components: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    components.unshift(current);
    if (dirname(current) === current || components.length > 4096) break;
  }
  for (const component of components) {
    try {
      if (!(await fs.stat(component)).isDirectory()) return component;
    } catch (error) {
      const code = errorCode(error);
      if (code === "ELOOP" || code === "ENOTDIR") return component;
      return undefined;
    }
  }
  return undefined;
}

/**
 * The directories `mkdir(dir, { recursive: true })` created, top first, given the first created
 * one it returned (`undefined`: none).
 */
function createdDirs(dir: string, first: string | undefined): string[] {
  if (first === undefined) return [];
  const made: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    made.unshift(current);
    if (current === first || dirname(current) === current || made.length > 4096) break;
  }
  return made;
}
