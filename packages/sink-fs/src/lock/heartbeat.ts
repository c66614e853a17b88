import type { FsFileHandle } from "@snapwrite/core";
import { PersistenceError } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { readRegularFile } from "../read/open-regular-file.js";
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
  /** Removes the lock file if it is still ours. Never rejects. */
  release(): Promise<void>;
}

/** The held lock: heartbeats, loss detection, verify and release. */
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
  const check = async (): Promise<{ error: PersistenceError; definite: boolean } | undefined> => {
    let bytes: Uint8Array;
    try {
      bytes = await readRegularFile(fs, path, { target, stage: "lock" });
    } catch (error) {
      if (errorCode(error) === "ENOENT") {
        return { error: lostError("lock file removed", error), definite: true };
      }
      // Unreadable proves nothing about the lock: report what the file system said (ENOSPC,
      // EIO, a FIFO swapped in, …) with its own code, not as a lost lock.
      return {
        error: fsFailure(error, "lock", target, { lockPath: path }, "read"),
        definite: false,
      };
    }
    const current = parseLockOwner(bytes);
    if (current?.token === token) return undefined;
    return {
      error: lostError(`lock file now belongs to ${describeOwner(current)}`),
      definite: true,
    };
  };

  const beat = (): void => {
    heartbeat = clock.setTimeout(() => {
      if (released) return;
      void refresh().then(() => {
        if (!released && !lostController.signal.aborted) beat();
      });
    }, settings.staleMs / 3);
    // The heartbeat alone must not keep a process alive; the work it guards does.
    (heartbeat as { unref?: () => void } | undefined)?.unref?.();
  };

  const refresh = async (): Promise<void> => {
    const problem = await check();
    if (released) return;
    if (problem?.definite === true) {
      lostController.abort(problem.error);
      return;
    }
    const bytes = encodeOwner({ ...acquired, refreshedAt: clock.now() });
    // A failed heartbeat only risks the lock being broken, which the next one reports.
    await held.write(bytes, 0, bytes.byteLength, 0).catch(() => undefined);
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
    async release() {
      if (released) return;
      released = true;
      clock.clearTimeout(heartbeat);
      await held.close().catch(() => undefined);
      await releaseLock(runtime, path, acquired);
    },
  };
}
