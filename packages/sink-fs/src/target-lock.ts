import { basename, dirname, join } from "node:path";
import { type FsFileHandle, PersistenceError } from "@snapwrite/core";
import { abortFailure } from "./abort-failure.js";
import { activeFiles } from "./active-files.js";
import { sleep } from "./default-clock.js";
import { errorCode } from "./error-code.js";
import { fsFailure } from "./fs-failure.js";
import type { FsSinkRuntime } from "./fs-sink-runtime.js";
import { NO_HARD_LINKS } from "./no-hard-links.js";
import { randomTag } from "./random-tag.js";
import { tempFileName } from "./temp-file-name.js";

/** Settings of the cross-process lock, defaults applied. */
export interface TargetLockSettings {
  /** A lock not refreshed for this long counts as abandoned. */
  readonly staleMs: number;
  /** How long to wait for a held lock before failing with `ERR_LOCKED`. */
  readonly waitMs: number;
  /** First pause between attempts; doubles up to {@link MAX_POLL_MS}. */
  readonly pollMs: number;
}

/** A lock this process holds. */
export interface HeldTargetLock {
  /** Path of the lock file. */
  readonly path: string;
  /** Time spent waiting for it, in clock ms (0 when it was free). */
  readonly waitedMs: number;
  /** Pauses taken because another owner held it. */
  readonly waits: number;
  /** Abandoned locks broken to get it. */
  readonly broken: number;
  /** Rejects with `ERR_LOCKED` (stage `lock`, `details.reason: "lost"`) unless the lock file is still ours. */
  verify(): Promise<void>;
  /** Removes the lock file if it is still ours. Never rejects. */
  release(): Promise<void>;
}

/** What a lock file says about its owner. */
export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  /** When the owning process started (ms since the epoch), for humans reading the file. */
  readonly processStartedAt: number;
  readonly acquiredAt: number;
  /** Last heartbeat of the owner; the lock is stale `staleMs` after it. */
  readonly refreshedAt: number;
  /** Unique per acquisition; a replaced lock file has another token. */
  readonly token: string;
}

const MAX_POLL_MS = 250;
/**
 * A lock file without a readable owner record is abandoned once its mtime is this old (or
 * `staleMs`, if shorter). Our own lock files appear with their record in place, so only a foreign
 * writer, an older version or a power loss can leave one; a live writer of such a file has long
 * finished writing its record after 2 s.
 */
export const UNOWNED_LOCK_GRACE_MS = 2_000;
const MAX_BREAKS = 32;
/** Lock files are rewritten in place on heartbeats, so their size never changes. */
const LOCK_FILE_BYTES = 320;
const HELD_TOKENS = Symbol.for("snapwrite.sink-fs.heldLockTokens");
const PROCESS_STARTED_AT = Math.round(Date.now() - process.uptime() * 1000);

/** Tokens of the locks held by this process, shared by every copy of the package. */
function heldTokens(): Set<string> {
  const global = globalThis as unknown as Record<symbol, unknown>;
  let tokens = global[HELD_TOKENS];
  if (!(tokens instanceof Set)) {
    tokens = new Set<string>();
    global[HELD_TOKENS] = tokens;
  }
  return tokens as Set<string>;
}

function encodeOwner(owner: LockOwner): Uint8Array {
  const json = JSON.stringify(owner);
  const text = json.length < LOCK_FILE_BYTES - 1 ? json.padEnd(LOCK_FILE_BYTES - 1, " ") : json;
  return new TextEncoder().encode(`${text}\n`);
}

/** Parses a lock file; `undefined` when it is empty, torn or not ours. */
function parseLockOwner(bytes: Uint8Array): LockOwner | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Partial<LockOwner>;
    if (
      typeof value.pid === "number" &&
      typeof value.hostname === "string" &&
      typeof value.refreshedAt === "number" &&
      typeof value.token === "string"
    ) {
      return {
        pid: value.pid,
        hostname: value.hostname,
        processStartedAt: typeof value.processStartedAt === "number" ? value.processStartedAt : 0,
        acquiredAt: typeof value.acquiredAt === "number" ? value.acquiredAt : value.refreshedAt,
        refreshedAt: value.refreshedAt,
        token: value.token,
      };
    }
  } catch {
    // Torn or foreign content: the caller falls back to the file's mtime.
  }
  return undefined;
}

/** A lock file as observed by someone who wants it. */
interface ObservedLock {
  readonly owner: LockOwner | undefined;
  readonly ino: number;
  readonly mtimeMs: number;
}

async function observe(runtime: FsSinkRuntime, path: string): Promise<ObservedLock | undefined> {
  try {
    const stats = await runtime.fs.stat(path);
    const bytes = await runtime.fs.readFile(path);
    return { owner: parseLockOwner(bytes), ino: stats.ino, mtimeMs: stats.mtimeMs };
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Why a lock is abandoned, or `undefined` while it is valid. An owner on this host whose process is
 * gone is abandoned at once; an owner that is this very process but holds no such token is a
 * previous process that had the same pid (containers reuse low pids); anything else is abandoned
 * only when its heartbeat is older than `staleMs` (the only test possible for another host).
 */
function staleReason(
  runtime: FsSinkRuntime,
  observed: ObservedLock,
  staleMs: number,
): string | undefined {
  const owner = observed.owner;
  if (owner !== undefined && owner.hostname === runtime.hostname) {
    if (owner.pid === runtime.pid) {
      if (!heldTokens().has(owner.token)) return "owner-gone";
    } else if (!runtime.isProcessAlive(owner.pid)) {
      return "owner-dead";
    }
  }
  if (
    owner === undefined &&
    runtime.clock.now() - observed.mtimeMs > Math.min(UNOWNED_LOCK_GRACE_MS, staleMs)
  ) {
    return "unowned";
  }
  const heartbeat = owner?.refreshedAt ?? observed.mtimeMs;
  if (runtime.clock.now() - heartbeat > staleMs) return "expired";
  return undefined;
}

/** A lock file this process just created, open for heartbeats. */
interface CreatedLock {
  readonly handle: FsFileHandle;
  readonly ino: number;
}

async function writeRecord(handle: FsFileHandle, bytes: Uint8Array, path: string): Promise<void> {
  const { bytesWritten } = await handle.write(bytes, 0, bytes.byteLength, 0);
  if (bytesWritten !== bytes.byteLength) {
    throw Object.assign(new Error(`short write of lock file ${path}`), { code: "EIO" });
  }
}

/**
 * Creates the lock file `path` holding `record`, or resolves `undefined` when it exists. The record
 * goes into a private temp file first, which is then hard-linked to `path`: `link` fails with
 * `EEXIST` atomically, and the lock file never exists without its owner, even if this process is
 * killed half-way (the temp file it leaves carries our pid, so the sweep deletes it). No fsync:
 * a lock never needs to survive a power loss, which ends every owner; an empty file a power loss
 * might leave is abandoned after {@link UNOWNED_LOCK_GRACE_MS}. The handle stays open: it is the
 * lock file's inode, rewritten in place by heartbeats.
 */
async function createLockFile(
  runtime: FsSinkRuntime,
  path: string,
  record: Uint8Array,
): Promise<CreatedLock | undefined> {
  const temp = join(
    dirname(path),
    tempFileName(basename(path).slice(1), runtime.pid, runtime.random),
  );
  activeFiles().add(temp);
  let handle: FsFileHandle | undefined;
  let linked = false;
  try {
    handle = await runtime.fs.open(temp, "wx", 0o644);
    await writeRecord(handle, record, temp);
    try {
      await runtime.fs.link(temp, path);
      linked = true;
    } catch (error) {
      const code = errorCode(error) ?? "";
      if (code !== "EEXIST" && !NO_HARD_LINKS.has(code)) throw error;
      await handle.close();
      handle = undefined;
      if (code === "EEXIST") return undefined;
    }
    if (handle === undefined) return await createLockFileInPlace(runtime, path, record);
    const created: CreatedLock = { handle, ino: (await handle.stat()).ino };
    handle = undefined;
    return created;
  } catch (error) {
    await handle?.close().catch(() => undefined);
    if (linked) await runtime.fs.unlink(path).catch(() => undefined);
    throw error;
  } finally {
    await runtime.fs.unlink(temp).catch(() => undefined);
    activeFiles().delete(temp);
  }
}

/**
 * Without hard links: `O_EXCL` on the lock file itself, then the record. Killed in between, this
 * leaves an empty lock file, which others break after {@link UNOWNED_LOCK_GRACE_MS}.
 */
async function createLockFileInPlace(
  runtime: FsSinkRuntime,
  path: string,
  record: Uint8Array,
): Promise<CreatedLock | undefined> {
  let handle: FsFileHandle;
  try {
    handle = await runtime.fs.open(path, "wx", 0o644);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return undefined;
    throw error;
  }
  try {
    await writeRecord(handle, record, path);
    return { handle, ino: (await handle.stat()).ino };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await runtime.fs.unlink(path).catch(() => undefined);
    throw error;
  }
}

/**
 * Removes the lock file at `path` if it is still the file that was `observed`: it is first renamed
 * to a private name (only one breaker can win that), then compared by inode; a fresh lock that was
 * taken in between is linked back, never deleted.
 */
async function breakLock(
  runtime: FsSinkRuntime,
  path: string,
  observed: ObservedLock,
): Promise<boolean> {
  const aside = join(
    dirname(path),
    tempFileName(basename(path).slice(1), runtime.pid, runtime.random),
  );
  activeFiles().add(aside);
  try {
    return await breakLockVia(runtime, path, observed, aside);
  } finally {
    activeFiles().delete(aside);
  }
}

async function breakLockVia(
  runtime: FsSinkRuntime,
  path: string,
  observed: ObservedLock,
  aside: string,
): Promise<boolean> {
  try {
    await runtime.fs.rename(path, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
  let same = false;
  try {
    const moved = await runtime.fs.stat(aside);
    same = moved.ino === observed.ino && observed.ino !== 0;
    if (observed.ino === 0 || moved.ino === 0) {
      const owner = parseLockOwner(await runtime.fs.readFile(aside));
      same = owner?.token === observed.owner?.token;
    }
  } catch {
    same = false;
  }
  if (!same) {
    try {
      await runtime.fs.link(aside, path);
    } catch {
      // Someone holds the lock again; the displaced owner notices before its rename (verify()).
    }
  }
  try {
    await runtime.fs.unlink(aside);
  } catch {
    // Left for the sweep: the name carries our pid.
  }
  return same;
}

/**
 * Removes the lock file at `path` when it is abandoned (see {@link staleReason}); used by the
 * start-up sweep. Resolves with whether a lock was removed.
 */
export async function removeStaleLock(
  runtime: FsSinkRuntime,
  path: string,
  staleMs: number,
): Promise<boolean> {
  const observed = await observe(runtime, path);
  if (observed === undefined) return false;
  if (staleReason(runtime, observed, staleMs) === undefined) return false;
  return breakLock(runtime, path, observed);
}

/**
 * Takes the lock file `path` with `O_EXCL`, writing this process's identity into it. A held lock is
 * waited for (polling with backoff and jitter) for at most `waitMs`, then `ERR_LOCKED`; an abandoned
 * one is broken. While held, the file is rewritten every `staleMs / 3` so that other hosts can tell
 * a live owner from a dead one.
 */
export async function acquireTargetLock(
  runtime: FsSinkRuntime,
  path: string,
  target: string,
  settings: TargetLockSettings,
  signal: AbortSignal | undefined,
): Promise<HeldTargetLock> {
  const { fs, clock } = runtime;
  const startedAt = clock.now();
  let waits = 0;
  let broken = 0;
  let breaks = 0;
  let pause = settings.pollMs;
  let lastOwner: LockOwner | undefined;
  let created: CreatedLock | undefined;
  let owner: LockOwner | undefined;
  const token = `${runtime.pid}-${randomTag(runtime.random, 16)}`;
  // Registered before the lock file exists, so another sink of this process never mistakes the
  // fresh lock for one left by a previous process with our pid.
  heldTokens().add(token);
  try {
    for (let spins = 0; ; spins += 1) {
      if (signal?.aborted) throw abortFailure(target, "lock", signal);
      const now = clock.now();
      owner = {
        pid: runtime.pid,
        hostname: runtime.hostname,
        processStartedAt: PROCESS_STARTED_AT,
        acquiredAt: now,
        refreshedAt: now,
        token,
      };
      try {
        created = await createLockFile(runtime, path, encodeOwner(owner));
      } catch (error) {
        throw fsFailure(error, "lock", target, { lockPath: path });
      }
      if (created !== undefined) break;
      let observed: ObservedLock | undefined;
      try {
        observed = await observe(runtime, path);
      } catch (error) {
        throw fsFailure(error, "lock", target, { lockPath: path });
      }
      if (observed !== undefined) {
        lastOwner = observed.owner;
        // Bounded, so that a lock that keeps coming back abandoned ends in the wait below.
        if (breaks < MAX_BREAKS && staleReason(runtime, observed, settings.staleMs) !== undefined) {
          breaks += 1;
          try {
            if (await breakLock(runtime, path, observed)) broken += 1;
          } catch (error) {
            throw fsFailure(error, "lock", target, { lockPath: path });
          }
          continue;
        }
      } else if (spins < 1000) {
        // Released between our attempt and our look: try again at once.
        continue;
      }
      const waited = clock.now() - startedAt;
      if (waited >= settings.waitMs) {
        throw new PersistenceError(
          "ERR_LOCKED",
          `${JSON.stringify(target)} is locked by ${describeOwner(lastOwner)}; gave up after ${waited} ms`,
          {
            stage: "lock",
            target,
            details: { reason: "held", lockPath: path, waitedMs: waited, waits, owner: lastOwner },
          },
        );
      }
      waits += 1;
      const jittered = pause * (0.5 + runtime.random() * 0.5);
      await sleep(clock, Math.min(jittered, settings.waitMs - waited));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  } catch (error) {
    heldTokens().delete(token);
    throw error;
  }
  const acquired = owner;
  const held = created.handle;
  const ino = created.ino;
  const now = acquired.acquiredAt;

  let heartbeat: unknown;
  let released = false;
  const beat = (): void => {
    heartbeat = clock.setTimeout(() => {
      if (released) return;
      const bytes = encodeOwner({ ...acquired, refreshedAt: clock.now() });
      held.write(bytes, 0, bytes.byteLength, 0).then(
        () => {
          if (!released) beat();
        },
        () => {
          // A failed heartbeat only risks the lock being broken, which verify() then reports.
          if (!released) beat();
        },
      );
    }, settings.staleMs / 3);
    // The heartbeat alone must not keep a process alive; the write it guards does.
    (heartbeat as { unref?: () => void } | undefined)?.unref?.();
  };
  beat();

  const lost = (why: string, cause?: unknown): PersistenceError =>
    new PersistenceError(
      "ERR_LOCKED",
      `lost the lock of ${JSON.stringify(target)} during the write: ${why}`,
      { stage: "lock", target, details: { reason: "lost", lockPath: path }, cause },
    );

  return {
    path,
    waitedMs: now - startedAt,
    waits,
    broken,
    async verify() {
      let bytes: Uint8Array;
      try {
        bytes = await fs.readFile(path);
      } catch (error) {
        throw lost(
          errorCode(error) === "ENOENT" ? "lock file removed" : "lock file unreadable",
          error,
        );
      }
      const current = parseLockOwner(bytes);
      if (current?.token !== token) {
        throw lost(`lock file now belongs to ${describeOwner(current)}`);
      }
    },
    async release() {
      if (released) return;
      released = true;
      clock.clearTimeout(heartbeat);
      heldTokens().delete(token);
      await held.close().catch(() => undefined);
      try {
        await breakLock(runtime, path, { owner: acquired, ino, mtimeMs: 0 });
      } catch {
        // A lock we cannot remove is abandoned: our pid and token make it stale for everyone.
      }
    },
  };
}

function describeOwner(owner: LockOwner | undefined): string {
  if (owner === undefined) return "an unknown owner";
  return `pid ${owner.pid} on ${owner.hostname}`;
}
