import * as nodeFs from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { isPersistenceError, PersistenceError } from "@snapwrite/core";
import { DEFAULT_CLOCK } from "../default-clock.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { namesDirectory } from "../names-directory.js";
import { assertPathFileName, hasLoneSurrogate } from "../path-file-name.js";
import { isProcessAlive } from "../process-alive.js";
import { sweepDirectory } from "../sweep/sweep-directory.js";
import { parseTempFileName, tempNamePrefix } from "../temp-file-name.js";
import { acquireTargetLock } from "./acquire-lock.js";
import { claimNamePrefix, isClaimFileName } from "./claim-file.js";
import { isLockFileName, lockFileName } from "./lock-file-name.js";
import { type LockFileOptions, lockFileSettings } from "./lock-file-options.js";

/** A held {@link lockFile} lock. */
export interface FileLock extends AsyncDisposable {
  /** The absolute path that is locked (it need not exist). */
  readonly path: string;
  /** The lock file: `.<name>.lock` next to `path`. */
  readonly lockPath: string;
  /**
   * Aborted when the lock was broken under its holder (a heartbeat found another record, or none,
   * in the lock file — only possible after the holder missed its heartbeats for `staleMs`). Its
   * `reason` is an `ERR_LOCKED` `PersistenceError` with `details.reason: "lost"`.
   */
  readonly lost: AbortSignal;
  /**
   * Call right before each write the lock guards. Resolves at once (no I/O) while this holder's
   * record was confirmed in place less than `staleMs / 2` ago on the monotonic clock; after a
   * longer gap (the process was frozen, the event loop stalled) it first refreshes the record and
   * reads it back. Rejects with `lost`'s error (`ERR_LOCKED`, `details.reason: "lost"`) when the
   * lock was broken meanwhile, with `ERR_LOCKED` `details.reason: "unconfirmed"` when it could not
   * be confirmed in time, or with the I/O error reading the lock file. A freeze between this check
   * and the write it guards stays possible: only OS-level locks could close that window.
   */
  assertHeld(): Promise<void>;
  /** Removes the lock file if it is still this lock's. Never rejects; idempotent. */
  release(): Promise<void>;
  /** Same as {@link FileLock.release}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Takes the exclusive lock of `path` (absolute, or relative to the working directory): the lock file
 * `.<name>.lock` next to it, the same lock a file sink with `lock` takes for that file. It excludes
 * other processes and other worker threads of this process alike, breaks locks of owners that are
 * provably gone at once and others once their heartbeat is `staleMs` old, and refreshes its own
 * every `staleMs / 3` until released. Rejects with `ERR_LOCKED` after `waitMs`, `ERR_ABORTED` on
 * `signal`, `ERR_INVALID_TARGET` for a path that cannot be locked, and the mapped I/O code (stage
 * `lock`) when the lock file cannot be created; bad options throw `TypeError`/`RangeError`.
 *
 * @example
 * ```ts
 * await using lock = await lockFile("state/app.json");
 * // ... exclusive work; lock.lost aborts if the lock was broken meanwhile
 * ```
 */
export async function lockFile(path: string, options: LockFileOptions = {}): Promise<FileLock> {
  const settings = lockFileSettings(options);
  const absolute = lockablePath(path);
  const runtime: FsSinkRuntime = {
    fs: options.fs ?? nodeFs,
    clock: DEFAULT_CLOCK,
    random: Math.random,
    pid: process.pid,
    hostname: hostname(),
    isProcessAlive,
  };
  const lockPath = join(dirname(absolute), lockFileName(basename(absolute)));
  const held = await acquireTargetLock(runtime, lockPath, absolute, settings, options.signal);
  await sweepOnce(runtime, lockPath, settings.staleMs);
  return {
    path: absolute,
    lockPath,
    lost: held.lost,
    assertHeld: () => held.assertHeld(),
    release: () => held.release(),
    [Symbol.asyncDispose]: () => held.release(),
  };
}

/** Lock files of this thread already swept (a holder killed half-way leaves its private files). */
const swept = new Set<string>();

/**
 * Once per lock file and thread, while holding it: removes what holders killed half-way left for
 * this lock (the private temp files a lock or claim record is written to before it is linked into
 * place), as a sink's sweep does for its directory. Never fails the lock.
 */
async function sweepOnce(runtime: FsSinkRuntime, lockPath: string, staleMs: number): Promise<void> {
  if (swept.has(lockPath)) return;
  swept.add(lockPath);
  // Temp and claim names keep only the start of a long lock file name: match what they keep, or
  // a long name's leftovers would never be swept. A shortened prefix may match another lock's
  // files too; the sweep removes only those of dead creators, so that is harmless.
  const lockName = basename(lockPath);
  // The lock's temp files are named for `<name>.lock`, its file name without the leading dot.
  const tempPrefix = tempNamePrefix(lockName.slice(1));
  const claimPrefix = claimNamePrefix(lockName);
  await sweepDirectory(
    runtime,
    dirname(lockPath),
    staleMs,
    (entry) => entry.startsWith(tempPrefix) || entry.startsWith(claimPrefix),
  ).catch(() => undefined);
}

/** The absolute path to lock, or `ERR_INVALID_TARGET`. */
function lockablePath(path: unknown): string {
  const invalid = (reason: string): PersistenceError =>
    new PersistenceError("ERR_INVALID_TARGET", `cannot lock ${JSON.stringify(path)}: ${reason}`, {
      stage: "lock",
      target: typeof path === "string" ? path : String(path),
      details: { reason },
    });
  if (typeof path !== "string" || path.length === 0) throw invalid("not a non-empty path");
  if (path.includes("\0")) throw invalid("contains NUL");
  if (hasLoneSurrogate(path)) throw invalid("contains a lone surrogate (ill-formed UTF-16)");
  if (namesDirectory(path)) throw invalid("names a directory");
  const absolute = resolve(path);
  const name = basename(absolute);
  if (name === "" || name === "." || name === ".." || dirname(absolute) === absolute) {
    throw invalid("names a directory");
  }
  try {
    assertPathFileName(name, "lock");
  } catch (error) {
    if (!isPersistenceError(error)) throw error;
    throw invalid(String(error.details?.reason));
  }
  if (parseTempFileName(name) !== undefined || isLockFileName(name) || isClaimFileName(name)) {
    throw invalid("the name is reserved for temp and lock files");
  }
  return absolute;
}
