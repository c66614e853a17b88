import type { FsFileHandle } from "@snapwrite/core";
import { isPersistenceError, PersistenceError } from "@snapwrite/core";
import { systemClock } from "@snapwrite/core/sink-kit";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { readRegularFile } from "../read/open-regular-file.js";
import { claimsOn } from "./claim-file.js";
import type { TargetLockSettings } from "./lock-settings.js";
import { describeOwner, encodeOwner, type LockOwner, parseLockOwner } from "./owner-record.js";
import { releaseLock } from "./release-lock.js";

/** A lock this thread holds. */
export interface HeldTargetLock {
  /** Path of the lock file. */
  readonly path: string;
  /** Time spent waiting for it, in clock ms (0 when it was free). */
  readonly waitedMs: number;
  /** Pauses taken because another owner held it. */
  readonly waits: number;
  /** Abandoned locks broken to get it. */
  readonly broken: number;
  /**
   * Aborted (with an `ERR_LOCKED` error, `details.reason: "lost"`, as reason) when a heartbeat
   * finds that the lock file no longer holds this lock's record: someone broke it.
   */
  readonly lost: AbortSignal;
  /** Rejects with `ERR_LOCKED` (stage `lock`, `details.reason: "lost"`) unless the lock file is still ours. */
  verify(): Promise<void>;
  /**
   * Resolves when the lock is known to be ours for a while yet: at once (no I/O) while this
   * holder's record was confirmed in place less than `staleMs / 2` ago on the monotonic clock,
   * else after refreshing and reading back the record (a freeze or a late heartbeat). Rejects with
   * the `lost` error (`ERR_LOCKED`, `details.reason: "lost"`) when the lock was broken, with
   * `ERR_LOCKED` `details.reason: "unconfirmed"` when a breaker's live claim is on it or the
   * read-back came too late to vouch for it,
   * and with the mapped I/O error when the lock file cannot be read.
   */
  assertHeld(): Promise<void>;
  /** Removes the lock file if it is still ours. Never rejects. */
  release(): Promise<void>;
}

/**
 * A holder vouches for its lock without I/O while its record was confirmed in place less than
 * this share of `staleMs` ago: nobody may break it before `staleMs` after that record was written,
 * and the other half is left for the write it guards and for clock differences between hosts.
 */
const VOUCH_SHARE = 0.5;

/** The held lock: heartbeats, loss detection, verify, assertHeld and release. */
export function holdLock(
  runtime: FsSinkRuntime,
  path: string,
  target: string,
  settings: TargetLockSettings,
  acquired: LockOwner,
  held: FsFileHandle,
  stats: { readonly waitedMs: number; readonly waits: number; readonly broken: number },
): HeldTargetLock {
  const { fs, clock } = runtime;
  const token = acquired.token;
  const lostController = new AbortController();
  let heartbeat: unknown;
  let released = false;
  // Monotonic: a wall-clock jump must never make an old confirmation look fresh.
  const monotonic = systemClock.now;
  // The record last written into our handle (the creation's at first), and when it was taken.
  let written = {
    refreshedAt: acquired.refreshedAt,
    at: monotonic() - Math.max(0, clock.now() - acquired.refreshedAt),
  };
  // When the record found in place by the last check was taken: nobody breaks it before
  // `staleMs` after that.
  let confirmedAt = written.at;
  let refreshing: Promise<PersistenceError | undefined> | undefined;

  const lostError = (why: string, cause?: unknown): PersistenceError =>
    new PersistenceError("ERR_LOCKED", `lost the lock of ${JSON.stringify(target)}: ${why}`, {
      stage: "lock",
      target,
      details: { reason: "lost", lockPath: path },
      cause,
    });

  /**
   * Resolves `undefined` while the lock file holds our record, else why not; `definite` when the
   * file is gone or holds another record (an unreadable file proves nothing).
   */
  const check = async (
    confirm = true,
  ): Promise<{ error: PersistenceError; definite: boolean } | undefined> => {
    let bytes: Uint8Array;
    try {
      bytes = await readRegularFile(fs, path, { target, stage: "lock" });
    } catch (error) {
      if (errorCode(error) === "ENOENT") {
        return { error: lostError("lock file removed", error), definite: true };
      }
      // Our lock file is a regular file: anything else in its place (a FIFO, a directory, a link
      // to a device, a loop of links) replaced it.
      if (isReplaced(error)) {
        return { error: lostError("lock file replaced", error), definite: true };
      }
      // Unreadable proves nothing about the lock: report what the file system said (ENOSPC,
      // EIO, …) with its own code, not as a lost lock.
      return {
        error: fsFailure(error, "lock", target, { lockPath: path }, "read"),
        definite: false,
      };
    }
    const current = parseLockOwner(bytes);
    if (current?.token === token) {
      if (confirm && current.refreshedAt === written.refreshedAt) {
        confirmedAt = Math.max(confirmedAt, written.at);
      }
      return undefined;
    }
    return {
      error: lostError(`lock file now belongs to ${describeOwner(current)}`),
      definite: true,
    };
  };

  const beat = (): void => {
    heartbeat = clock.setTimeout(() => {
      if (released) return;
      void refreshOnce().then(() => {
        if (!released && !lostController.signal.aborted) beat();
      });
    }, settings.staleMs / 3);
    // The heartbeat alone must not keep a process alive; the work it guards does.
    (heartbeat as { unref?: () => void } | undefined)?.unref?.();
  };

  /**
   * Writes a fresh record into our handle, then reads the lock file back: our record in place
   * confirms the lock until `staleMs` after it was taken. Writing first is harmless when the lock
   * was broken: the handle then holds a file no longer in place. Resolves with the check's error
   * when the lock file could not be read; a definite loss aborts `lost`.
   */
  const refresh = async (): Promise<PersistenceError | undefined> => {
    const at = monotonic();
    // The record in place may have been stale: a breaker may have judged it so and be about to
    // unlink it, under its claim on our lock (see `breakLock`).
    const breakable = at - confirmedAt >= settings.staleMs * VOUCH_SHARE;
    const refreshedAt = clock.now();
    const bytes = encodeOwner({ ...acquired, refreshedAt });
    // A failed heartbeat only risks the lock being broken, which the next one reports.
    const wrote = await held.write(bytes, 0, bytes.byteLength, 0).then(
      () => true,
      () => false,
    );
    if (wrote) written = { refreshedAt, at };
    // A claim gone before the read-back ended its break before it, which the read-back then
    // sees; a claim made after it finds our fresh record and breaks nothing.
    const claimed = breakable && (await claimsOn(runtime, path, token, settings.staleMs));
    const problem = await check(!claimed);
    if (released) return undefined;
    if (problem?.definite === true) lostController.abort(problem.error);
    return problem?.error;
  };

  /** One refresh at a time: a heartbeat and an `assertHeld` share it. */
  const refreshOnce = (): Promise<PersistenceError | undefined> => {
    refreshing ??= refresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  const vouched = (): boolean => monotonic() - confirmedAt < settings.staleMs * VOUCH_SHARE;

  const assertHeld = async (): Promise<void> => {
    if (lostController.signal.aborted) throw lostController.signal.reason;
    if (vouched()) return;
    // A refresh already under way may have been taken before the gap: then run one of our own.
    for (let round = 0; round < 2; round += 1) {
      const problem = await refreshOnce();
      if (lostController.signal.aborted) throw lostController.signal.reason;
      if (problem !== undefined) throw problem;
      if (vouched()) return;
    }
    throw new PersistenceError(
      "ERR_LOCKED",
      `could not confirm the lock of ${JSON.stringify(target)}: a break of it is under way, or its record was read back more than ${settings.staleMs * VOUCH_SHARE} ms after it was written`,
      { stage: "lock", target, details: { reason: "unconfirmed", lockPath: path } },
    );
  };
  beat();

  return {
    path,
    ...stats,
    lost: lostController.signal,
    async verify() {
      const problem = await check();
      if (problem !== undefined) throw problem.error;
    },
    assertHeld,
    async release() {
      if (released) return;
      released = true;
      clock.clearTimeout(heartbeat);
      await held.close().catch(() => undefined);
      await releaseLock(runtime, path, acquired);
    },
  };
}

/** True when reading the lock file failed because something else stands in its place. */
function isReplaced(error: unknown): boolean {
  if (isPersistenceError(error, "ERR_INVALID_TARGET")) {
    return error.details?.reason === "not-a-regular-file";
  }
  return errorCode(error) === "ELOOP";
}
