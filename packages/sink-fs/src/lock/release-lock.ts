import { sleep } from "../default-clock.js";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { breakLock } from "./break-lock.js";
import { heldTokens } from "./held-tokens.js";
import type { LockOwner } from "./owner-record.js";

/** Pauses a release waits for a breaker that holds the claim on its lock. */
const RELEASE_TRIES = 40;

/**
 * Removes the lock file at `path` if it still holds the lock `acquired`, under a claim on that lock
 * like a break (see `breakLock`), then forgets its token. Never rejects.
 */
export async function releaseLock(
  runtime: FsSinkRuntime,
  path: string,
  acquired: LockOwner,
): Promise<void> {
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
      await sleep(runtime.clock, 5 + tries * 5);
    }
  } catch {
    // A lock we cannot remove is abandoned: its record names this thread, and our token is
    // no longer held, so it is broken at once here and after its heartbeat elsewhere.
  } finally {
    heldTokens().delete(acquired.token);
  }
}
