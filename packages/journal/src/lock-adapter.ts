import { type FsPort, isPersistenceError } from "@snapwrite/core";
import { assertKnownOptions } from "@snapwrite/core/sink-kit";
import { checkLockFileOptions, lockFile } from "@snapwrite/sink-fs";

/** A held lock. */
export interface HeldLock {
  /** Releases the lock; idempotent. */
  release(): Promise<void>;
  /**
   * Aborted when the lock was broken under its holder (it missed its heartbeats for `staleMs`,
   * e.g. while frozen); its reason is an `ERR_LOCKED` error with `details.reason: "lost"`.
   * Optional: a lock without it is never known to be lost.
   */
  readonly lost?: AbortSignal | undefined;
  /**
   * Awaited right before each write: resolves while the lock is still this holder's, rejects with
   * `ERR_LOCKED` (`details.reason: "lost"` once it was broken, `"unconfirmed"` when it could not be
   * confirmed in time). Optional: a lock without it is trusted.
   */
  assertHeld?(): Promise<void>;
}

/**
 * The key of a check a `HeldLock` may offer for the journal's own steps only (a roll, preallocated
 * zeros, the removal of segments), not for its groups: used by `@snapwrite/store`, which checks its
 * groups itself. Not part of the API.
 */
export const STEP_LOCK_CHECK: unique symbol = Symbol("snapwrite.journal.stepLockCheck");

/** Whether `error` says that a lock was broken under its holder. */
export function isLockLost(error: unknown): boolean {
  return isPersistenceError(error, "ERR_LOCKED") && error.details?.reason === "lost";
}

/** What the journal and the append log need from a lock: exclusive ownership of a path. */
export interface JournalLock {
  /**
   * Waits until `path` (the journal or the log it guards) is held exclusively, or rejects
   * (`ERR_LOCKED` on timeout, `ERR_ABORTED`).
   */
  acquire(path: string, signal?: AbortSignal): Promise<HeldLock>;
}

/**
 * Options of {@link createExclusiveFileLock}, checked at creation as sink-fs `lockFile` checks them
 * (`TypeError` for a wrong type, `RangeError` out of range). Left out, every default applies;
 * anything else that is no object is a `TypeError`.
 */
export interface ExclusiveFileLockOptions {
  /** File system. Default `node:fs/promises`. */
  readonly fs?: FsPort | undefined;
  /** Give up after this long, in 0..2^31 − 1 ms. Default 10_000 ms. */
  readonly waitMs?: number | undefined;
  /**
   * A lock whose holder stopped its heartbeat this long ago is broken, in 1..2^31 − 1 ms. Default
   * 30_000 ms.
   */
  readonly staleMs?: number | undefined;
}

/** The keys of {@link ExclusiveFileLockOptions}. */
const LOCK_OPTION_KEYS = ["fs", "waitMs", "staleMs"] satisfies (keyof ExclusiveFileLockOptions)[];

/**
 * The `lockFile` of `@snapwrite/sink-fs` as a {@link JournalLock}: the lock file `.<name>.lock`
 * next to the guarded path, with its owner record in place, excluding other processes and other
 * worker threads of this one; a dead owner's lock is broken at once, a stale one after `staleMs`.
 * Its held lock reports a loss (`lost`) and checks itself before writes (`assertHeld`, see
 * sink-fs `FileLock.assertHeld`).
 */
export function createExclusiveFileLock(options: ExclusiveFileLockOptions = {}): JournalLock {
  if (typeof options !== "object" || options === null) {
    const got = options === null ? "null" : typeof options;
    throw new TypeError(
      `createExclusiveFileLock: options must be an object { fs?, waitMs?, staleMs? }, got ${got}`,
    );
  }
  assertKnownOptions("createExclusiveFileLock", options, LOCK_OPTION_KEYS);
  // lockFile's own checks, now: a bad value would otherwise surface only at the first open, as
  // an ERR_IO that looks transient.
  checkLockFileOptions(options, "createExclusiveFileLock");
  const waitMs = options.waitMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  return {
    async acquire(path, signal) {
      const lock = await lockFile(path, { fs: options.fs, waitMs, staleMs, signal });
      return {
        release: () => lock.release(),
        lost: lock.lost,
        assertHeld: () => lock.assertHeld(),
      };
    },
  };
}
