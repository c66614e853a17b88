import { basename, dirname, join, resolve, sep } from "node:path";
import { type FsPort, PersistenceError, type TargetId, type WriteStage } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import type { FsSinkContext } from "../fs-sink-context.js";

const MAX_SYMLINK_HOPS = 32;

/**
 * Follows symlinks from `path` to the file they lead to, also when that file does not exist yet
 * (a dangling link is written through and so created).
 */
export async function resolveLinks(fs: FsPort, path: string): Promise<string> {
  let current = path;
  for (let hops = 0; hops <= MAX_SYMLINK_HOPS; hops += 1) {
    let isLink: boolean;
    try {
      isLink = (await fs.lstat(current)).isSymbolicLink();
    } catch (error) {
      if (errorCode(error) === "ENOENT") return current;
      throw error;
    }
    if (!isLink) return current;
    current = resolve(dirname(current), await fs.readlink(current));
  }
  throw Object.assign(new Error(`too many symbolic links from ${path}`), { code: "ELOOP" });
}

/**
 * Where `path` really is: the `realpath` of its deepest existing ancestor, with the missing rest
 * appended (it cannot contain links, since it does not exist).
 */
async function realLocation(fs: FsPort, path: string): Promise<string> {
  const missing: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    try {
      const found = await fs.realpath(current);
      return missing.length === 0 ? found : join(found, ...missing.reverse());
    } catch (error) {
      if (errorCode(error) !== "ENOENT" || dirname(current) === current) throw error;
      missing.push(basename(current));
    }
  }
}

/**
 * Refuses, with `ERR_INVALID_TARGET`, a path that symlinks (of a target or of a directory on its
 * way) lead outside the root, unless `followSymlinksOutsideRoot` allows it.
 */
export async function assertInsideRoot(
  context: FsSinkContext,
  path: string,
  target: TargetId,
  stage: WriteStage | undefined,
): Promise<void> {
  if (context.settings.followOutside) return;
  const { fs } = context.runtime;
  const root = context.root;
  const [realRoot, location] = await Promise.all([realLocation(fs, root), realLocation(fs, path)]);
  const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  if (location === realRoot || location.startsWith(prefix)) return;
  throw new PersistenceError(
    "ERR_INVALID_TARGET",
    `invalid target ${JSON.stringify(target)}: a symbolic link leads outside ${root} (to ${location}); set followSymlinksOutsideRoot to allow it`,
    { stage, target, details: { reason: "outside the root", resolved: location } },
  );
}
