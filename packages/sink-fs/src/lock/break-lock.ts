import { errorCode } from "../error-code.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { claimBreak, claimPath, claimToken } from "./claim-file.js";
import { heldTokens } from "./held-tokens.js";
import { lockKey, type ObservedLock, observe, observeAgain } from "./observe-lock.js";
import { staleReason } from "./owner-liveness.js";

/** What a break attempt came to. */
export type BreakOutcome = "broken" | "changed" | "valid" | "busy";

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
export async function breakLock(
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
