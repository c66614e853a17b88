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

/**
 * Guards the file-system port a store's journal, snapshots and sink use: once {@link raise}d (a
 * close timed out), every call that would change the directory rejects with the given error
 * before it starts, and {@link drained} says when the ones already running have returned, so the
 * lock is released only after them.
 */
export class MutationFence {
  private readonly running = new Set<Promise<unknown>>();
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
      open: (path, flags, mode) =>
        isReadOnlyOpen(flags)
          ? fs.open(path, flags, mode)
          : this.run(() => fs.open(path, flags, mode)),
    };
    for (const name of MUTATING) {
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

  private run<T>(call: () => Promise<T>): Promise<T> {
    if (this.refusal !== undefined) return Promise.reject(this.refusal());
    const done = call();
    this.running.add(done);
    const forget = () => this.running.delete(done);
    done.then(forget, forget);
    return done;
  }
}
