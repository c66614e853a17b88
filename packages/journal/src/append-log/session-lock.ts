import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { isLockLost } from "../lock-adapter.js";
import type { LogState } from "./log-state.js";

/**
 * The error of an append its lock could not vouch for: before it was written (`committed: false`,
 * "append refused"), or after (`committed: "unknown"`, "append outlived its lock").
 */
export function refusedByLock(
  log: LogState,
  cause: PersistenceError,
  committed: false | "unknown" = false,
): PersistenceError {
  const what = committed === false ? "append refused" : "append outlived its lock";
  return new PersistenceError(cause.code, `${what}: ${cause.message}`, {
    stage: "lock",
    target: log.files.active,
    cause,
    details: { ...cause.details, committed },
  });
}

/**
 * Under `lock: "session"`, right before a batch is written: rejects unless the session lock is
 * still ours (see `HeldLock.assertHeld`). Once it was lost, every later append is refused the same
 * way (`ERR_LOCKED`, `details.reason: "lost"`, `committed: false`); closing still works.
 */
export async function assertSessionHeld(log: LogState): Promise<void> {
  if (log.lockLost !== undefined) throw refusedByLock(log, log.lockLost);
  const session = log.session;
  if (session?.assertHeld === undefined) return;
  try {
    await session.assertHeld();
  } catch (error) {
    const cause = toPersistenceError(error, { stage: "lock", target: log.files.active });
    if (isLockLost(cause)) log.lockLost ??= cause;
    throw refusedByLock(log, cause);
  }
}

/** Records a loss of the session lock as soon as its heartbeat finds the lock broken. */
export function watchSessionLoss(log: LogState): void {
  const lost = log.session?.lost;
  if (lost === undefined) return;
  const onLost = (): void => {
    log.lockLost ??= toPersistenceError(lost.reason, { stage: "lock", target: log.files.active });
  };
  if (lost.aborted) onLost();
  else lost.addEventListener("abort", onLost, { once: true });
}
