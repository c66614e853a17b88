import { posix } from "node:path";
import type { Volume } from "memfs";
import { createOsError } from "./os-error.js";

/**
 * The Linux checks memfs leaves out, run before the matching memfs call. Each throws the error
 * Linux gives, or returns. Internal.
 */

type Kind = "dir" | "other" | "missing";

function kindOf(vol: Volume, path: string): { kind: Kind; ino?: number } {
  try {
    const stats = vol.lstatSync(path);
    return { kind: stats.isDirectory() ? "dir" : "other", ino: Number(stats.ino) };
  } catch {
    return { kind: "missing" };
  }
}

/** A name with a trailing slash (not the root): Linux resolves it as a directory. */
function trailingSlash(path: string): boolean {
  return path.length > 1 && path.endsWith("/");
}

function withoutTrailingSlashes(path: string): string {
  const stripped = path.replace(/\/+$/, "");
  return stripped === "" ? "/" : stripped;
}

/** `ENOTDIR`, as Linux gives, when `path` ends in a slash and names an existing non-directory. */
function assertSlashNamesNoFile(vol: Volume, path: string, syscall: string, dest?: string): void {
  if (trailingSlash(path) && kindOf(vol, withoutTrailingSlashes(path)).kind === "other") {
    throw createOsError("ENOTDIR", syscall, path, dest);
  }
}

function isEmptyDir(vol: Volume, path: string): boolean {
  return (vol.readdirSync(path) as unknown[]).length === 0;
}

/**
 * `rename(2)`: returns `"noop"` when both names are links to the same inode (POSIX: nothing
 * happens); throws `EINVAL` for a directory moved under itself, `EISDIR` for a non-directory
 * over a directory, `ENOTDIR` for a directory over a non-directory (or a non-directory to a
 * name with a trailing slash), `ENOTEMPTY` for a directory over a non-empty one.
 */
export function checkRename(vol: Volume, oldPath: string, newPath: string): "noop" | "go" {
  const fail = (code: string): never => {
    throw createOsError(code, "rename", oldPath, newPath);
  };
  assertSlashNamesNoFile(vol, oldPath, "rename", newPath);
  const from = kindOf(vol, oldPath);
  if (from.kind === "missing") return "go"; // memfs reports ENOENT
  if (from.kind !== "dir" && newPath.endsWith("/")) fail("ENOTDIR");
  const oldAbs = posix.resolve("/", oldPath);
  const newAbs = posix.resolve("/", newPath);
  if (from.kind === "dir" && newAbs.startsWith(`${oldAbs}/`)) fail("EINVAL");
  const to = kindOf(vol, newPath);
  if (to.kind === "missing") return "go";
  if (to.ino === from.ino) return "noop";
  if (from.kind !== "dir" && to.kind === "dir") fail("EISDIR");
  if (from.kind === "dir" && to.kind !== "dir") fail("ENOTDIR");
  if (from.kind === "dir" && !isEmptyDir(vol, newPath)) fail("ENOTEMPTY");
  return "go";
}

/** `mkdir -p` over an existing non-directory: `EEXIST`; over a dangling symlink: `ENOENT`. */
export function checkMkdir(vol: Volume, path: string): void {
  if (isDanglingLink(vol, path)) throw createOsError("ENOENT", "mkdir", path);
  if (kindOf(vol, path).kind === "other") throw createOsError("EEXIST", "mkdir", path);
}

function isDanglingLink(vol: Volume, path: string): boolean {
  try {
    if (!vol.lstatSync(path).isSymbolicLink()) return false;
  } catch {
    return false;
  }
  try {
    vol.statSync(path);
    return false;
  } catch {
    return true;
  }
}

/** `link(2)` of a directory: `EPERM`; to a new name with a trailing slash: `ENOENT`. */
export function checkLink(vol: Volume, existingPath: string, newPath: string): void {
  // A new name with a trailing slash names a directory that does not exist yet: ENOENT.
  if (trailingSlash(newPath) && kindOf(vol, withoutTrailingSlashes(newPath)).kind === "missing") {
    throw createOsError("ENOENT", "link", existingPath, newPath);
  }
  if (kindOf(vol, existingPath).kind === "dir") {
    throw createOsError("EPERM", "link", existingPath, newPath);
  }
}

/**
 * `unlink(2)` of a directory: `EISDIR` on Linux (memfs says `EPERM`, as POSIX allows); of a file
 * named with a trailing slash: `ENOTDIR`.
 */
export function checkUnlink(vol: Volume, path: string): void {
  assertSlashNamesNoFile(vol, path, "unlink");
  if (kindOf(vol, path).kind === "dir") throw createOsError("EISDIR", "unlink", path);
}
