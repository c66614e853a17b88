import { dirname } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { errorCode } from "../error-code.js";

/**
 * `mkdir -p dir`, resolving with the directories it created, top first. Node's recursive `mkdir`
 * reports any failure to create a missing directory (`ENOSPC`, `EROFS`, `EDQUOT`, …) as `ENOENT`:
 * on `ENOENT`, the missing directories are created one at a time without `recursive`, which
 * rejects with the real error (the directories made meanwhile are recorded in `created`, for the
 * failed write to remove). When that finds no other cause, the `ENOENT` stands. The rejection is
 * the OS error as `fs` threw it (map it with core's `toPersistenceError`). Resolves with
 * `created`, the directories it made appended.
 */
export async function makeDirectories(
  fs: FsPort,
  dir: string,
  created: string[] = [],
): Promise<string[]> {
  try {
    created.push(...createdDirs(dir, await fs.mkdir(dir, { recursive: true })));
    return created;
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
    await makeEachDirectory(fs, dir, created);
    throw error;
  }
}

/** Creates each missing directory of `dir`, top first, rejecting with the first real error. */
async function makeEachDirectory(fs: FsPort, dir: string, created: string[]): Promise<void> {
  // FsPort types `mkdir` for `recursive: true` only; `node:fs/promises` and testkit's ports take
  // other options through, and without `recursive` a failure is reported as it is.
  type PlainMkdir = (path: string, options: { recursive: false }) => Promise<unknown>;
  const mkdir = fs.mkdir.bind(fs) as unknown as PlainMkdir;
  for (const component of ancestors(dir)) {
    try {
      await mkdir(component, { recursive: false });
      created.push(component);
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
  }
}

/** `dir` and its ancestors, root first. */
export function ancestors(dir: string): string[] {
  const components: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    components.unshift(current);
    if (dirname(current) === current || components.length > 4096) break;
  }
  return components;
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
