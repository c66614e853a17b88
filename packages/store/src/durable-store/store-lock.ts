import { join } from "node:path";
import { toPersistenceError } from "@snapwrite/core";
import type { StoreCore } from "./store-core.js";

/**
 * Takes the `lock` option's lock (the journal's lock file `.<name>.lock` in `dir`) unless it is
 * held already. The store takes it before it lists or reads any snapshot or segment, so a store
 * that waited for it loads whatever the previous holder left, a compaction's snapshot included;
 * it stays held until {@link releaseStoreLock} (close, or a failed open), across reloads.
 */
export async function acquireStoreLock<S, Op>(core: StoreCore<S, Op>): Promise<void> {
  const lock = core.options.lock;
  if (lock === undefined || core.heldLock !== undefined) return;
  const dir = core.options.dir;
  try {
    // The lock file lives in `dir`, which a first open creates.
    await core.fs.mkdir(dir, { recursive: true });
  } catch (error) {
    throw toPersistenceError(error, { stage: "open", target: dir });
  }
  const held = await lock.acquire(join(dir, core.name));
  let released: Promise<void> | undefined;
  core.heldLock = {
    release: () => {
      released ??= held.release().catch(() => undefined);
      return released;
    },
  };
}

/** Releases the lock taken by {@link acquireStoreLock}, if any; never rejects. */
export async function releaseStoreLock<S, Op>(core: StoreCore<S, Op>): Promise<void> {
  await core.heldLock?.release();
}
