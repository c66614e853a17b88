import { basename, dirname, join } from "node:path";
import {
  type FsFileHandle,
  type FsStats,
  isPersistenceError,
  PersistenceError,
} from "@snapwrite/core";
import { abortFailure } from "./abort-failure.js";
import { activeFiles } from "./active-files.js";
import { creatorState, recordedCreator } from "./creator-state.js";
import { sleep } from "./default-clock.js";
import { errorCode } from "./error-code.js";
import { fsFailure } from "./fs-failure.js";
import type { FsSinkRuntime } from "./fs-sink-runtime.js";
import { NO_HARD_LINKS } from "./no-hard-links.js";
import { openRegularFile, readRegularFile } from "./open-regular-file.js";
import { type ProcessIdentity, processIdentity } from "./process-identity.js";
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
  /**
   * Who holds it (thread, boot, pid namespace, process start); absent in records of older
   * versions, which are then judged by their heartbeat alone where pid namespaces exist.
   */
  readonly creator: ProcessIdentity | undefined;
}

const MAX_POLL_MS = 250;
/**
 * A lock (or claim) file without a readable owner record is abandoned once its mtime is this old
 * (or `staleMs`, if shorter). Our own lock files appear with their record in place, so only a
 * foreign writer, an older version or a power loss can leave one; a live writer of such a file has
 * long finished writing its record after 2 s.
 */
export const UNOWNED_LOCK_GRACE_MS = 2_000;
const MAX_BREAKS = 32;
/** Claims of one lock tried before a break gives up for this round (all abandoned but one). */
const MAX_CLAIMS = 8;
/** Pauses a release waits for a breaker that holds the claim on its lock. */
const RELEASE_TRIES = 40;
/** Lock files are rewritten in place on heartbeats, so their size never changes. */
const LOCK_FILE_BYTES = 400;
const HELD_TOKENS = Symbol.for("snapwrite.sink-fs.heldLockTokens");
const PROCESS_STARTED_AT = Math.round(Date.now() - process.uptime() * 1000);

/**
 * Tokens of the locks and claims held by this thread, shared by every copy of the package in it.
 * Module state and `globalThis` are per thread: other threads of the process are recognised by the
 * thread id in the owner record instead (see `creatorState`).
 */
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
  const { creator, ...rest } = owner;
  const json = JSON.stringify({
    ...rest,
    threadId: creator?.threadId,
    boot: creator?.boot,
    pidNs: creator?.pidNs,
    start: creator?.start,
  });
  const text = json.length < LOCK_FILE_BYTES - 1 ? json.padEnd(LOCK_FILE_BYTES - 1, " ") : json;
  return new TextEncoder().encode(`${text}\n`);
}

/** Parses a lock file; `undefined` when it is empty, torn or not ours. */
function parseLockOwner(bytes: Uint8Array): LockOwner | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
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
        creator: recordedCreator(value),
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

/** Reads the lock file through one handle, so that the record and the stats are of one file. */
async function observe(runtime: FsSinkRuntime, path: string): Promise<ObservedLock | undefined> {
  let handle: FsFileHandle;
  let stats: FsStats;
  try {
    // Non-blocking and type-checked: a FIFO named like a lock file must not hang the lock.
    ({ handle, stats } = await openRegularFile(runtime.fs, path, { target: path, stage: "lock" }));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  try {
    const buffer = new Uint8Array(Math.min(Math.max(stats.size, 0), 64 * 1024));
    let length = 0;
    while (length < buffer.byteLength) {
      const { bytesRead } = await handle.read(buffer, length, buffer.byteLength - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return {
      owner: parseLockOwner(buffer.subarray(0, length)),
      ino: stats.ino,
      mtimeMs: stats.mtimeMs,
    };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Why a lock is abandoned, or `undefined` while it is valid. An owner whose process is provably
 * gone (same boot and pid namespace, and its pid dead or now another process) is abandoned at once;
 * so is one of this very thread that holds no such token any more. Another thread of this process
 * is alive as long as the process. Anything else is abandoned only when its heartbeat is older than
 * `staleMs` — the only test possible for another host, another pid namespace, or a record of an
 * older version that does not say which namespace it came from.
 */
function staleReason(
  runtime: FsSinkRuntime,
  observed: ObservedLock,
  staleMs: number,
): string | undefined {
  const owner = observed.owner;
  if (owner !== undefined && owner.hostname === runtime.hostname) {
    const reason = ownerGoneReason(runtime, owner);
    if (reason !== undefined) return reason;
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

function ownerGoneReason(runtime: FsSinkRuntime, owner: LockOwner): string | undefined {
  if (owner.creator === undefined) {
    // An older version's record names no pid namespace: only where there are none (not Linux)
    // does the pid prove anything.
    if (processIdentity().pidNs !== "0") return undefined;
    if (owner.pid === runtime.pid) return heldTokens().has(owner.token) ? undefined : "owner-gone";
    return runtime.isProcessAlive(owner.pid) ? undefined : "owner-dead";
  }
  switch (creatorState(runtime, owner.creator)) {
    case "this-thread":
      return heldTokens().has(owner.token) ? undefined : "owner-gone";
    case "previous-process":
      return "owner-gone";
    case "dead-process":
      return "owner-dead";
    default:
      return undefined;
  }
}

/** A lock file this thread just created, open for heartbeats. */
interface CreatedLock {
  readonly handle: FsFileHandle;
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
 * killed half-way (the temp file it leaves names its creator, so the sweep deletes it). No fsync:
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
    const created: CreatedLock = { handle };
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
    return { handle };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await runtime.fs.unlink(path).catch(() => undefined);
    throw error;
  }
}

/** What a break attempt came to. */
type BreakOutcome = "broken" | "changed" | "valid" | "busy";

/**
 * Removes the lock file at `path` if it still holds the lock that was `observed` (and, with
 * `staleMs`, if that lock is still abandoned). Safe by construction, without trusting inode numbers
 * (ext4 reuses them at once) and without ever moving a lock file away:
 *
 * 1. Claim the break: create `.<lock>.<key>-<n>.brk` with `O_EXCL`, where `<key>` is derived from
 *    the observed lock's token. Only one party at a time holds a claim on one lock; a claim whose
 *    creator is provably gone, or older than `staleMs`, is passed over to the next `<n>`.
 * 2. Under the claim, read the lock file again. Unless it is still the observed lock, nothing is
 *    touched: tokens are unique, so a fresh lock taken meanwhile is recognised as such.
 * 3. Unlink it. Nothing can have replaced the observed lock between 2 and 3: a new lock can only be
 *    created once the name is free, and every removal — a break or the owner's release — runs
 *    under a claim on that same lock, which we hold.
 *
 * The lock name is never empty while the lock is held, so no third party can slip into a gap.
 */
async function breakLock(
  runtime: FsSinkRuntime,
  path: string,
  observed: ObservedLock,
  staleMs: number | undefined,
): Promise<BreakOutcome> {
  const key = lockKey(observed);
  const claimed = await claimBreak(runtime, path, key, staleMs ?? Number.POSITIVE_INFINITY);
  if (claimed === undefined) return "busy";
  // Whether the claimed lock is known to be gone; until then, claims on it must stay.
  let gone = false;
  try {
    const current = await observeAgain(runtime, path, observed);
    if (current === undefined || lockKey(current) !== key) {
      gone = true;
      return "changed";
    }
    if (staleMs !== undefined && staleReason(runtime, current, staleMs) === undefined) {
      return "valid";
    }
    try {
      await runtime.fs.unlink(path);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    }
    gone = true;
    return "broken";
  } finally {
    // Once the lock is gone, every claim on it is garbage (its token never comes back); while it
    // stays, the passed-over claims stay too, so that no claim number is ever reused.
    for (let n = claimed; n >= (gone ? 0 : claimed); n -= 1) {
      await runtime.fs.unlink(claimPath(path, key, n)).catch(() => undefined);
    }
    heldTokens().delete(claimToken(path, key, claimed));
  }
}

/**
 * Reads the lock file again for {@link breakLock}. A lock known by its token needs only its record
 * (one `readFile`, as cheap as a release can be); a record-less one needs its inode and mtime too.
 */
async function observeAgain(
  runtime: FsSinkRuntime,
  path: string,
  observed: ObservedLock,
): Promise<ObservedLock | undefined> {
  if (observed.owner === undefined) return observe(runtime, path);
  try {
    const bytes = await readRegularFile(runtime.fs, path, { target: path, stage: "lock" });
    return { owner: parseLockOwner(bytes), ino: 0, mtimeMs: 0 };
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * The error of a lock step for `target`: OS errors mapped at stage `lock`; a `PersistenceError`
 * raised about the lock file itself (a FIFO in its place, …) is told about the target it locks,
 * with the lock file's path in `details.lockPath`.
 */
function lockFailure(error: unknown, target: string, path: string): PersistenceError {
  if (!isPersistenceError(error) || error.target === target) {
    return fsFailure(error, "lock", target, { lockPath: path });
  }
  return new PersistenceError(error.code, `lock of ${JSON.stringify(target)}: ${error.message}`, {
    stage: "lock",
    target,
    details: { ...error.details, lockPath: path },
    cause: error,
  });
}

/** What identifies one lock: its token, or for a record-less file its inode and mtime. */
function lockKey(observed: ObservedLock): string {
  return observed.owner?.token ?? `unowned-${observed.ino}-${observed.mtimeMs}`;
}

/** The claim file `n` on the lock `key` at `path`. */
function claimPath(path: string, key: string, n: number): string {
  return join(dirname(path), claimFileName(basename(path), key, n));
}

/** The name of claim file `n` on the lock `key` of the lock file named `lockName`. */
export function claimFileName(lockName: string, key: string, n: number): string {
  return `${lockName.slice(0, 120)}.${hashKey(key)}-${n}.brk`;
}

const CLAIM_NAME = /^\.(.+)\.([0-9a-z]{7})-([0-9]+)\.brk$/;

/** True when `fileName` looks like a claim file made by a lock break. */
export function isClaimFileName(fileName: string): boolean {
  return CLAIM_NAME.test(fileName);
}

/** The token of a claim record: says which lock (file name and key) it claims. */
function claimToken(path: string, key: string, n: number): string {
  return `claim/${key}/${n}/${encodeURIComponent(basename(path))}`;
}

function parseClaimToken(token: string): { key: string; lockName: string } | undefined {
  const [kind, key, , lockName] = token.split("/");
  if (kind !== "claim" || key === undefined || lockName === undefined) return undefined;
  try {
    return { key, lockName: decodeURIComponent(lockName) };
  } catch {
    return undefined;
  }
}

/**
 * Takes the first free claim on the lock `key`, passing over abandoned ones; resolves its number,
 * or `undefined` when a live party holds a claim (it is breaking or releasing that lock right now).
 */
async function claimBreak(
  runtime: FsSinkRuntime,
  path: string,
  key: string,
  staleMs: number,
): Promise<number | undefined> {
  const self = processIdentity();
  for (let n = 0; n < MAX_CLAIMS; n += 1) {
    const claim = claimPath(path, key, n);
    const token = claimToken(path, key, n);
    heldTokens().add(token);
    const now = runtime.clock.now();
    const record: LockOwner = {
      pid: runtime.pid,
      hostname: runtime.hostname,
      processStartedAt: PROCESS_STARTED_AT,
      acquiredAt: now,
      refreshedAt: now,
      token,
      creator: { ...self, pid: runtime.pid },
    };
    let created: boolean;
    try {
      created = await createClaim(runtime, claim, encodeOwner(record));
    } catch (error) {
      heldTokens().delete(token);
      throw error;
    }
    if (created) return n;
    heldTokens().delete(token);
    const other = await observe(runtime, claim);
    // Vanished meanwhile: its holder is done; try the same number again next round.
    if (other === undefined) return undefined;
    if (staleReason(runtime, other, staleMs) === undefined) return undefined;
  }
  return undefined;
}

/**
 * Creates the claim file `path` holding `record`, the way a lock file is created: the record goes
 * into a private temp file that is hard-linked into place, so a claimant killed half-way never
 * leaves an empty claim that would hold every breaker off for {@link UNOWNED_LOCK_GRACE_MS}
 * (without hard links: `O_EXCL` on the claim itself, and such an empty claim is passed over after
 * that grace). Resolves `false` when the claim exists.
 */
async function createClaim(
  runtime: FsSinkRuntime,
  path: string,
  record: Uint8Array,
): Promise<boolean> {
  const created = await createLockFile(runtime, path, record);
  if (created === undefined) return false;
  await created.handle.close().catch(() => undefined);
  return true;
}

/** The 7-character FNV-1a hash of a lock key, for claim names. */
function hashKey(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, "0");
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
  return (await breakLock(runtime, path, observed, staleMs)) === "broken";
}

/**
 * Removes the claim file `path` of a lock break when it is garbage: the lock it claimed no longer
 * holds the claimed lock (a lock's token never comes back). Claims on a lock that still stands are
 * kept even when abandoned, so that no claim number is reused while someone may rely on it. Used by
 * the sweep; resolves with whether it was removed.
 */
export async function removeStaleClaim(runtime: FsSinkRuntime, path: string): Promise<boolean> {
  const claim = await observe(runtime, path);
  const claimed = parseClaimToken(claim?.owner?.token ?? "");
  if (claimed === undefined || basename(claimed.lockName) !== claimed.lockName) return false;
  const lock = await observe(runtime, join(dirname(path), claimed.lockName));
  if (lock !== undefined && lockKey(lock) === claimed.key) return false;
  await runtime.fs.unlink(path).catch(() => undefined);
  return true;
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
  const { clock } = runtime;
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
        creator: { ...processIdentity(), pid: runtime.pid },
      };
      try {
        created = await createLockFile(runtime, path, encodeOwner(owner));
      } catch (error) {
        throw lockFailure(error, target, path);
      }
      if (created !== undefined) break;
      let observed: ObservedLock | undefined;
      try {
        observed = await observe(runtime, path);
      } catch (error) {
        throw lockFailure(error, target, path);
      }
      if (observed !== undefined) {
        lastOwner = observed.owner;
        // Bounded, so that a lock that keeps coming back abandoned ends in the wait below.
        if (breaks < MAX_BREAKS && staleReason(runtime, observed, settings.staleMs) !== undefined) {
          breaks += 1;
          let outcome: BreakOutcome;
          try {
            outcome = await breakLock(runtime, path, observed, settings.staleMs);
          } catch (error) {
            throw lockFailure(error, target, path);
          }
          if (outcome === "broken") broken += 1;
          // "busy": someone else is breaking or releasing it right now; wait like for a holder.
          if (outcome === "broken" || outcome === "changed") continue;
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
  return holdLock(runtime, path, target, settings, owner, created.handle, {
    waitedMs: owner.acquiredAt - startedAt,
    waits,
    broken,
  });
}

/** The held lock: heartbeats, loss detection, verify and release. */
function holdLock(
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
      try {
        for (let tries = 0; tries < RELEASE_TRIES; tries += 1) {
          const outcome = await breakLock(
            runtime,
            path,
            { owner: acquired, ino: 0, mtimeMs: 0 },
            undefined,
          );
          if (outcome !== "busy") break;
          // Someone holds a claim on our lock: they are breaking it (we were late with a
          // heartbeat) or gave up half-way; either way it is gone or theirs to remove soon.
          await sleep(clock, 5 + tries * 5);
        }
      } catch {
        // A lock we cannot remove is abandoned: its record names this thread, and our token is
        // no longer held, so it is broken at once here and after its heartbeat elsewhere.
      } finally {
        heldTokens().delete(token);
      }
    },
  };
}

function describeOwner(owner: LockOwner | undefined): string {
  if (owner === undefined) return "an unknown owner";
  const thread = owner.creator !== undefined && owner.creator.threadId !== 0;
  return `pid ${owner.pid}${thread ? ` (thread ${owner.creator?.threadId})` : ""} on ${owner.hostname}`;
}
