import { join, relative, resolve, sep } from "node:path";
import type { FsPort, TargetId } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { NO_HARD_LINKS } from "../no-hard-links.js";
import { syncDirectory } from "../write/sync-directory.js";

/**
 * Moves `real` (named `name`, in `dir`) to a fresh `<name>.corrupt-<ms>[-n]`, prunes old ones, and
 * returns where it went: a target id, or an absolute path when that is outside the root.
 */
export async function moveAside(
  context: FsSinkContext,
  target: TargetId,
  real: string,
  dir: string,
  name: string,
): Promise<string> {
  const { fs, clock } = context.runtime;
  const base = `${name}.corrupt-${Math.floor(clock.now())}`;
  let moved: string | undefined;
  // Counting on from the highest suffix in use keeps same-millisecond names in age order even
  // after pruning freed lower suffixes.
  for (let n = await nextQuarantineSuffix(fs, dir, base); moved === undefined; n += 1) {
    const candidate = join(dir, n === 0 ? base : `${base}-${n}`);
    try {
      await moveWithoutReplacing(fs, real, candidate);
      moved = candidate;
    } catch (error) {
      if (errorCode(error) === "EEXIST" && n < 10_000) continue;
      throw fsFailure(error, "rename", target, undefined, "read");
    }
  }
  await pruneQuarantined(fs, dir, name, context.settings.maxQuarantined);
  if (context.settings.durable) await syncDirectory(fs, dir, target);
  const inside = relative(context.root, moved);
  return inside.startsWith("..") || resolve(context.root, inside) !== moved
    ? moved
    : inside.split(sep).join("/");
}

/** Moves `from` to `to`, failing with `EEXIST` instead of replacing an existing `to`. */
async function moveWithoutReplacing(fs: FsPort, from: string, to: string): Promise<void> {
  try {
    await fs.link(from, to);
  } catch (error) {
    if (!NO_HARD_LINKS.has(errorCode(error) ?? "")) throw error;
    // Without hard links, check-then-rename; quarantine runs in the target's queue.
    try {
      await fs.lstat(to);
      throw Object.assign(new Error(`${to} exists`), { code: "EEXIST" });
    } catch (missing) {
      if (errorCode(missing) !== "ENOENT") throw missing;
    }
    await fs.rename(from, to);
    return;
  }
  await fs.unlink(from);
}

async function nextQuarantineSuffix(fs: FsPort, dir: string, base: string): Promise<number> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return 0;
  }
  let next = 0;
  for (const entry of entries) {
    if (entry === base) next = Math.max(next, 1);
    else if (entry.startsWith(`${base}-`)) {
      const n = Number(entry.slice(base.length + 1));
      if (Number.isSafeInteger(n)) next = Math.max(next, n + 1);
    }
  }
  return next;
}

/** Deletes all but the newest `keep` quarantined versions of `name` in `dir`. */
async function pruneQuarantined(
  fs: FsPort,
  dir: string,
  name: string,
  keep: number,
): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return;
  }
  const prefix = `${name}.corrupt-`;
  const found: { entry: string; at: number; n: number }[] = [];
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const match = /^([0-9]+)(?:-([0-9]+))?$/.exec(entry.slice(prefix.length));
    if (match === null) continue;
    found.push({ entry, at: Number(match[1]), n: Number(match[2] ?? 0) });
  }
  found.sort((a, b) => a.at - b.at || a.n - b.n);
  for (const old of found.slice(0, Math.max(0, found.length - keep))) {
    await fs.unlink(join(dir, old.entry)).catch(() => undefined);
  }
}
