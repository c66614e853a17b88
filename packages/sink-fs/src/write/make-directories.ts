import { dirname } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { errorCode } from "../error-code.js";

/**
 * `mkdir -p dir`, recording the directories it created in `created`, top first. Node's recursive
 * `mkdir` can create some directories and then fail without saying which: the directories missing
 * beforehand that exist after its failure are recorded, for the failed write to remove (each only
 * if empty). It also reports any failure to create a missing directory (`ENOSPC`, `EROFS`,
 * `EDQUOT`, …) as `ENOENT`: on `ENOENT`, the rest is created one at a time without `recursive`,
 * which rejects with the real error (recording what it made). When that finds no other cause, the
 * `ENOENT` stands. The rejection is the OS error as `fs` threw it (map it with core's
 * `toPersistenceError`). Resolves with `created`, the directories it made appended.
 */
export async function makeDirectories(
  fs: FsPort,
  dir: string,
  created: string[] = [],
): Promise<string[]> {
  const missing = await missingDirectories(fs, dir);
  try {
    created.push(...createdDirs(dir, await fs.mkdir(dir, { recursive: true })));
    return created;
  } catch (error) {
    created.push(...(await existingPrefix(fs, missing)));
    if (errorCode(error) !== "ENOENT") throw error;
    await makeEachDirectory(fs, dir, created);
    throw error;
  }
}

/** The components of `dir` that do not exist (not even as a link), top first: none when it does. */
async function missingDirectories(fs: FsPort, dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let current = dir; missing.length <= 4096; current = dirname(current)) {
    try {
      await fs.lstat(current);
      break;
    } catch (error) {
      if (errorCode(error) !== "ENOENT") break;
      missing.unshift(current);
      if (dirname(current) === current) break;
    }
  }
  return missing;
}

/**
 * The leading directories of `dirs` (top first) that exist now: a recursive `mkdir` creates them
 * top down, so what it made before failing is such a prefix.
 */
async function existingPrefix(fs: FsPort, dirs: readonly string[]): Promise<string[]> {
  const existing: string[] = [];
  for (const dir of dirs) {
    const isDirectory = await fs.lstat(dir).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (!isDirectory) break;
    existing.push(dir);
  }
  return existing;
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
