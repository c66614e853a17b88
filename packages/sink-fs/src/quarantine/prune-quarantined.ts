import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";

/** Deletes all but the newest `keep` quarantined versions of `name` in `dir`. */
export async function pruneQuarantined(
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
