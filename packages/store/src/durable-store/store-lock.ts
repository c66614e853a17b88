import { join } from "node:path";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { type HeldLock, isLockLost, type JournalLock, STEP_LOCK_CHECK } from "@snapwrite/journal";
import { fsFailure } from "@snapwrite/sink-fs";
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
    throw fsFailure(error, "open", dir);
  }
  const held = await lock.acquire(join(dir, core.name));
  let released: Promise<void> | undefined;
  core.heldLock = {
    release: () => {
      released ??= held.release().catch(() => undefined);
      return released;
    },
    lost: held.lost,
    assertHeld: held.assertHeld?.bind(held),
  };
  const lost = held.lost;
  if (lost === undefined) return;
  if (lost.aborted) core.enterLockLost(lockError(lost.reason, dir));
  else
    lost.addEventListener("abort", () => core.enterLockLost(lockError(lost.reason, dir)), {
      once: true,
    });
}

function lockError(error: unknown, dir: string): PersistenceError {
  return toPersistenceError(error, { stage: "lock", target: dir });
}

/**
 * Right before a group is appended: resolves `undefined` while the `lock` option's lock is still
 * ours (see `HeldLock.assertHeld`), else the error failing the group unwritten (`committed:
 * false`); a lost lock turns the store read-only first, so nothing more is appended.
 */
export async function storeLockRefusal<S, Op>(
  core: StoreCore<S, Op>,
  what = "commit",
): Promise<PersistenceError | undefined> {
  const held = core.heldLock;
  if (held?.assertHeld === undefined) return undefined;
  try {
    await held.assertHeld();
    return undefined;
  } catch (error) {
    const cause = lockError(error, core.options.dir);
    if (isLockLost(cause)) core.enterLockLost(cause);
    return new PersistenceError(cause.code, `${what} refused: ${cause.message}`, {
      stage: "lock",
      target: core.options.dir,
      cause,
      details: { ...cause.details, committed: false },
    });
  }
}

/** Releases the lock taken by {@link acquireStoreLock}, if any; never rejects. */
export async function releaseStoreLock<S, Op>(core: StoreCore<S, Op>): Promise<void> {
  await core.heldLock?.release();
}

/**
 * After a group was appended, before it is published: the error failing it (`committed:
 * "unknown"`) when the lock turns out lost now — the store was frozen between
 * {@link storeLockRefusal} and the write, which may have landed over another holder's records, the
 * window no file lock closes. Costs no I/O unless the append took long enough for the lock to need
 * a confirmation.
 */
export async function storeLockLostDuringWrite<S, Op>(
  core: StoreCore<S, Op>,
): Promise<PersistenceError | undefined> {
  try {
    await core.heldLock?.assertHeld?.();
    return undefined;
  } catch (error) {
    const cause = lockError(error, core.options.dir);
    // Not known to be lost (unreadable, unconfirmed): the written group stands.
    if (!isLockLost(cause)) return undefined;
    core.enterLockLost(cause);
    return new PersistenceError(cause.code, `commit outlived its lock: ${cause.message}`, {
      stage: "lock",
      target: core.options.dir,
      cause,
      details: { ...cause.details, committed: "unknown" },
    });
  }
}

/**
 * The store's held lock as the journal's `lock` option, offering its check for the journal's own
 * steps only (a roll, preallocated zeros, segment removal: `STEP_LOCK_CHECK`): the store checks its
 * groups itself, watches the lock's `lost` signal and releases it. `undefined` without a `lock`.
 */
export function journalLockView<S, Op>(core: StoreCore<S, Op>): JournalLock | undefined {
  const assertHeld = core.heldLock?.assertHeld;
  if (assertHeld === undefined) return undefined;
  const view = { release: async () => undefined, [STEP_LOCK_CHECK]: assertHeld };
  return { acquire: async () => view as HeldLock };
}
