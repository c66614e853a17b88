import { constants } from "node:fs";
import type { Clock, FsPort } from "@snapwrite/core";
import { bindAll } from "../timed-fs.js";

/** The calls of an `FsPort` that change what a directory holds (`open` unless read-only). */
const MUTATING = ["rename", "unlink", "mkdir", "link", "symlink", "chmod", "rmdir"] as const;

/**
 * How long a store's release waits, after a timed-out close, for a file-system call that changes
 * the directory and is still running (a compaction's snapshot rename, an unlink) before it lets
 * the lock go anyway: such calls take milliseconds, and one that hangs (a dead network mount) must
 * not keep the lock forever. A call still hanging then may land after another process took the
 * directory; nothing else of the store starts one after the close.
 */
export const IN_FLIGHT_WAIT_MS = 5_000;

function isReadOnlyOpen(flags: string | number): boolean {
  return flags === "r" || flags === 0;
}

/** An exclusive create (`"wx"`, `O_EXCL`): the file is new, and only this store knows its name. */
function isExclusiveCreate(flags: string | number): boolean {
  return typeof flags === "string" ? flags.includes("x") : (flags & constants.O_EXCL) !== 0;
}

/**
 * Guards the file-system port a store's journal, snapshots and sink use: once {@link raise}d (a
 * close timed out), every call that would change the directory rejects with the given error
 * before it starts, and {@link drained} says when the ones already running have returned, so the
 * lock is released only after them. One exception: a file this port created exclusively (a
 * snapshot's temp file, whose name no one else knows) may still be unlinked, so that a snapshot
 * write stopped by the fence does not leave its temp file behind.
 */
export class MutationFence {
  private readonly running = new Set<Promise<unknown>>();
  /** Files created exclusively through the port and neither renamed nor unlinked since. */
  private readonly own = new Set<string>();
  private refusal: (() => Error) | undefined;

  /** Whether {@link raise} was called. */
  get raised(): boolean {
    return this.refusal !== undefined;
  }

  /** From now on every call that changes the directory rejects with `refusal()`. */
  raise(refusal: () => Error): void {
    this.refusal ??= refusal;
  }

  /** `fs` with its directory-changing calls counted and, once raised, refused. */
  wrap(fs: FsPort): FsPort {
    const guarded: Partial<FsPort> = {
      open: async (path, flags, mode) => {
        if (isReadOnlyOpen(flags)) return fs.open(path, flags, mode);
        const handle = await this.run(() => fs.open(path, flags, mode));
        if (isExclusiveCreate(flags)) this.own.add(path);
        return handle;
      },
      rename: (from, to) =>
        this.run(() => fs.rename(from, to)).then(() => {
          this.own.delete(from);
        }),
      unlink: (path) => {
        const mine = this.own.delete(path);
        return this.run(() => fs.unlink(path), mine);
      },
    };
    for (const name of MUTATING) {
      if (name in guarded) continue;
      const call = fs[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
      if (typeof call !== "function") continue;
      (guarded as Record<string, unknown>)[name] = (...args: unknown[]) =>
        this.run(() => call.apply(fs, args));
    }
    return bindAll(fs, guarded);
  }

  /**
   * Resolves `true` once no directory-changing call is running, `false` when some still are after
   * `timeoutMs` on `clock`.
   */
  async drained(clock: Clock, timeoutMs: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    let timer: unknown;
    const late = new Promise<false>((resolve) => {
      timer = clock.setTimeout(() => resolve(false), timeoutMs);
    });
    const idle = (async () => {
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
      return true as const;
    })();
    try {
      return await Promise.race([idle, late]);
    } finally {
      clock.clearTimeout(timer);
    }
  }

  private run<T>(call: () => Promise<T>, allowed = false): Promise<T> {
    if (this.refusal !== undefined && !allowed) return Promise.reject(this.refusal());
    const done = call();
    this.running.add(done);
    const forget = () => this.running.delete(done);
    done.then(forget, forget);
    return done;
  }
}
