import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { errorCode } from "../error-code.js";

/** Attempts at a free `<name>.corrupt-<ms>-<n>` before giving up with the last `EEXIST`. */
const MAX_SUFFIXES = 10_000;

/**
 * Claims a fresh `<name>.corrupt-<ms>[-n]` in `dir` by creating it empty and exclusively
 * (`open(…, "wx")`), so no other quarantine (of this or another process) can pick the same name,
 * and returns its path. The caller renames the target over this placeholder: a rename that replaces
 * only a file of its own, which needs no hard links. Counting on from the highest suffix in use
 * keeps same-millisecond names in age order even after pruning freed lower suffixes.
 */
export async function claimQuarantineName(
  fs: FsPort,
  dir: string,
  name: string,
  now: number,
): Promise<string> {
  const base = `${name}.corrupt-${Math.floor(now)}`;
  for (let n = await nextQuarantineSuffix(fs, dir, base); ; n += 1) {
    const candidate = join(dir, n === 0 ? base : `${base}-${n}`);
    try {
      const handle = await fs.open(candidate, "wx", 0o600);
      await handle.close();
      return candidate;
    } catch (error) {
      if (errorCode(error) !== "EEXIST" || n >= MAX_SUFFIXES) throw error;
    }
  }
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
