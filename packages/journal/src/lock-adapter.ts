import type { FsPort } from "@snapwrite/core";
import { assertKnownOptions } from "@snapwrite/core/sink-kit";
import { lockFile } from "@snapwrite/sink-fs";

/** A held lock. */
export interface HeldLock {
  /** Releases the lock; idempotent. */
  release(): Promise<void>;
}

/** What the journal and the append log need from a lock: exclusive ownership of a path. */
export interface JournalLock {
  /**
   * Waits until `path` (the journal or the log it guards) is held exclusively, or rejects
   * (`ERR_LOCKED` on timeout, `ERR_ABORTED`).
   */
  acquire(path: string, signal?: AbortSignal): Promise<HeldLock>;
}

/** Options of {@link createExclusiveFileLock}. */
export interface ExclusiveFileLockOptions {
  /** File system. Default `node:fs/promises`. */
  readonly fs?: FsPort | undefined;
  /** Give up after this long. Default 10_000 ms. */
  readonly waitMs?: number | undefined;
  /** A lock whose holder stopped its heartbeat this long ago is broken. Default 30_000 ms. */
  readonly staleMs?: number | undefined;
}

/** The keys of {@link ExclusiveFileLockOptions}. */
const LOCK_OPTION_KEYS = ["fs", "waitMs", "staleMs"] satisfies (keyof ExclusiveFileLockOptions)[];

/**
 * The `lockFile` of `@snapwrite/sink-fs` as a {@link JournalLock}: the lock file `.<name>.lock`
 * next to the guarded path, with its owner record in place, excluding other processes and other
 * worker threads of this one; a dead owner's lock is broken at once, a stale one after `staleMs`.
 */
export function createExclusiveFileLock(options: ExclusiveFileLockOptions = {}): JournalLock {
  assertKnownOptions("createExclusiveFileLock", options, LOCK_OPTION_KEYS);
  const waitMs = options.waitMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  return {
    async acquire(path, signal) {
      const lock = await lockFile(path, { fs: options.fs, waitMs, staleMs, signal });
      return { release: () => lock.release() };
    },
  };
}
