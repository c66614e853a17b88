// TEMPORARY ADAPTER: an exclusive lock file of our own until `lockFile` of `@snapwrite/sink-fs`
// is available; swap `createExclusiveFileLock` for it at merge. Everything else in this package
// only sees the `JournalLock` interface below.
import { threadId } from "node:worker_threads";
import type { FsPort } from "@snapwrite/core";
import { PersistenceError, raceAbort } from "@snapwrite/core";
import { isExists, isNotFound } from "./journal-fs.js";

/** A held lock. */
export interface HeldLock {
  /** Releases the lock; idempotent. */
  release(): Promise<void>;
}

/** What the journal and the append log need from a lock: exclusive ownership of `path`. */
export interface JournalLock {
  /** Waits until `path` is held exclusively, or rejects (`ERR_LOCKED` on timeout, `ERR_ABORTED`). */
  acquire(path: string, signal?: AbortSignal): Promise<HeldLock>;
}

/** Options of {@link createExclusiveFileLock}. */
export interface ExclusiveFileLockOptions {
  readonly fs: FsPort;
  /** Give up after this long. Default 10_000 ms. */
  readonly waitMs?: number | undefined;
  /** A lock file older than this (by mtime) is considered abandoned and broken. Default 30_000 ms. */
  readonly staleMs?: number | undefined;
  /** Whether the process named in a lock file still runs; a dead owner's lock is broken at once. */
  readonly isAlive?: ((pid: number) => boolean) | undefined;
}

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Tokens of the locks this thread holds: a lock file naming this thread with another token is a leftover. */
const heldTokens = new Set<string>();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A lock file created with `O_EXCL` holding `pid threadId token`; waiting polls with a short
 * jittered sleep. A lock whose owner process is gone, that names this thread but is not held by
 * it (left over from an earlier life of the pid), or whose file is older than `staleMs`, is broken.
 */
export function createExclusiveFileLock(options: ExclusiveFileLockOptions): JournalLock {
  const fs = options.fs;
  const waitMs = options.waitMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const isAlive = options.isAlive ?? defaultIsAlive;
  const encoder = new TextEncoder();

  async function readOwner(path: string): Promise<{ text: string; mtimeMs: number } | undefined> {
    try {
      const text = new TextDecoder().decode(await fs.readFile(path));
      return { text, mtimeMs: (await fs.stat(path)).mtimeMs };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function tryBreak(path: string): Promise<void> {
    const seen = await readOwner(path);
    if (seen === undefined) return;
    const [pid, thread] = seen.text.split(" ");
    const owner = Number.parseInt(pid ?? "", 10);
    const leftover =
      owner === process.pid && thread === String(threadId) && !heldTokens.has(seen.text);
    const dead = Number.isInteger(owner) && owner !== process.pid && !isAlive(owner);
    if (!dead && !leftover && Date.now() - seen.mtimeMs <= staleMs) return;
    // Move it aside, then check that what was moved is what was judged; if another owner took
    // the lock in between, put theirs back.
    const aside = `${path}.broken-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await fs.rename(path, aside);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const moved = await readOwner(aside);
    if (moved !== undefined && moved.text !== seen.text) {
      await fs.link(aside, path).catch(() => undefined);
    }
    await fs.unlink(aside).catch(() => undefined);
  }

  async function acquire(path: string, signal?: AbortSignal): Promise<HeldLock> {
    const token = `${process.pid} ${threadId} ${Math.random().toString(36).slice(2)}`;
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) {
        throw new PersistenceError("ERR_ABORTED", "lock wait aborted", {
          stage: "lock",
          target: path,
          cause: signal.reason,
        });
      }
      // The owner record is written to a private file first and linked into place, so a lock file
      // never exists without its owner (a process killed mid-way leaves at most its private file).
      const temp = `${path}.${process.pid}-${threadId}-${Math.random().toString(36).slice(2)}.tmp`;
      try {
        const handle = await fs.open(temp, "wx", 0o644);
        try {
          await handle.write(encoder.encode(token), 0, undefined, 0);
        } finally {
          await handle.close();
        }
        await fs.link(temp, path);
        heldTokens.add(token);
        return lockHandle(path, token);
      } catch (error) {
        if (!isExists(error)) {
          throw new PersistenceError("ERR_IO", `cannot create lock ${path}`, {
            stage: "lock",
            target: path,
            cause: error,
          });
        }
      } finally {
        await fs.unlink(temp).catch(() => undefined);
      }
      if (attempt % 5 === 0) await tryBreak(path);
      if (Date.now() > deadline) {
        throw new PersistenceError("ERR_LOCKED", `lock ${path} is held by another owner`, {
          stage: "lock",
          target: path,
        });
      }
      await raceAbort(sleep(1 + Math.random() * Math.min(20, attempt)), signal);
    }
  }

  function lockHandle(path: string, token: string): HeldLock {
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        heldTokens.delete(token);
        try {
          const text = new TextDecoder().decode(await fs.readFile(path));
          if (text === token) await fs.unlink(path);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      },
    };
  }

  return { acquire };
}
