import { join } from "node:path";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { type FsSweepReport, sweepDirectory } from "./sweep-directory.js";
import type { SweepScope } from "./sweep-options.js";

const MAX_SWEEP_DEPTH = 32;

/**
 * The once-per-directory sweep of one sink: `sweepOnce(dir)` sweeps `dir` before the first
 * operation there and resolves at once afterwards (and always when `enabled` is false).
 */
export function createSweepOnce(
  runtime: FsSinkRuntime,
  staleMs: number,
  enabled: boolean,
): (dir: string) => Promise<void> {
  const swept = new Map<string, Promise<void>>();
  return (dir) => {
    if (!enabled) return Promise.resolve();
    let done = swept.get(dir);
    if (done === undefined) {
      // Housekeeping never fails the operation that triggered it, whatever an injected
      // isProcessAlive or file system throws.
      done = sweepDirectory(runtime, dir, staleMs).then(
        () => undefined,
        () => undefined,
      );
      swept.set(dir, done);
    }
    return done;
  };
}

/**
 * Sweeps `root` and every directory below it (symlinks are not followed, depth is bounded) and
 * reports everything removed. `scope` says which other threads of this process are gone.
 */
export async function sweepTree(
  runtime: FsSinkRuntime,
  root: string,
  staleMs: number,
  scope: SweepScope,
): Promise<FsSweepReport> {
  const removedTemps: string[] = [];
  const removedLocks: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const report = await sweepDirectory(runtime, dir, staleMs, undefined, scope);
    removedTemps.push(...report.removedTemps);
    removedLocks.push(...report.removedLocks);
    if (depth >= MAX_SWEEP_DEPTH) return;
    let entries: string[];
    try {
      entries = await runtime.fs.readdir(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = join(dir, entry);
      try {
        if ((await runtime.fs.lstat(child)).isDirectory()) await visit(child, depth + 1);
      } catch {
        // Vanished or unreadable: nothing to sweep there.
      }
    }
  };
  await visit(root, 0);
  return { removedTemps, removedLocks };
}
