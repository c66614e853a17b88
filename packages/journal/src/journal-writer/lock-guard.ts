import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { isLockLost, STEP_LOCK_CHECK } from "../lock-adapter.js";
import type { Pending, WriterState } from "./writer-state.js";

/** The error of a group the lock could not vouch for: unwritten (`false`), or written too late. */
function refusedByLock(
  w: WriterState,
  cause: PersistenceError,
  committed: false | "unknown",
): PersistenceError {
  const what = committed === false ? "journal write refused" : "journal write outlived its lock";
  return new PersistenceError(cause.code, `${what}: ${cause.message}`, {
    stage: "lock",
    target: w.file,
    cause,
    details: { ...cause.details, committed },
  });
}

/** Rejects every append of `group` (see {@link refusedByLock}); `false`: the group does not stand. */
function rejectGroup(
  w: WriterState,
  group: readonly Pending[],
  cause: PersistenceError,
  committed: false | "unknown",
): false {
  const failure = refusedByLock(w, cause, committed);
  for (const p of group) p.reject(failure);
  return false;
}

/**
 * Asks the journal's lock (`HeldLock.assertHeld`, or the given `check`): `undefined` while it is
 * still ours, else why not.
 */
async function lockDenial(
  w: WriterState,
  check: (() => Promise<void>) | undefined = w.lock?.assertHeld,
): Promise<PersistenceError | undefined> {
  try {
    await check?.call(w.lock);
    return undefined;
  } catch (error) {
    return toPersistenceError(error, { stage: "lock", target: w.file });
  }
}

/**
 * Right before a group is written: resolves `true` while the journal's lock is still ours (see
 * `HeldLock.assertHeld`), else rejects the group's appends (`committed: false`) and resolves
 * `false`; a lost lock turns the journal read-only, so nothing more is appended.
 */
export async function lockStillHeld(w: WriterState, group: readonly Pending[]): Promise<boolean> {
  if (w.lock?.assertHeld === undefined) return true;
  const cause = await lockDenial(w);
  if (cause === undefined) return true;
  if (isLockLost(cause)) w.enterReadOnly(cause);
  return rejectGroup(w, group, cause, false);
}

/**
 * After a group was written, before it is acknowledged: a lock found lost now was lost during the
 * write (a freeze between {@link lockStillHeld} and the write, the window no file lock closes), so
 * the group may have landed over another holder's records. It is rejected (`committed: "unknown"`)
 * and the journal turns read-only; resolves whether the group stands. Costs no I/O unless the
 * write took long enough for the lock to need a confirmation.
 */
export async function lockKeptThrough(w: WriterState, group: readonly Pending[]): Promise<boolean> {
  if (w.lock?.assertHeld === undefined) return true;
  const cause = await lockDenial(w);
  // Not known to be lost (unreadable, unconfirmed): the written group stands.
  if (cause === undefined || !isLockLost(cause)) return true;
  w.enterReadOnly(cause);
  return rejectGroup(w, group, cause, "unknown");
}

/** Turns the journal read-only as soon as its lock's heartbeat finds the lock broken. */
export function watchLockLoss(w: WriterState): void {
  const lost = w.lock?.lost;
  if (lost === undefined) return;
  const onLost = (): void => {
    if (w.readOnlyError === undefined && w.mode !== "closed") {
      w.enterReadOnly(toPersistenceError(lost.reason, { stage: "lock", target: w.file }));
    }
  };
  if (lost.aborted) onLost();
  else lost.addEventListener("abort", onLost, { once: true });
}

/**
 * Before a step that changes the journal's files outside a group (a roll, preallocated zeros, the
 * removal of segments): resolves while the lock is still ours, else throws why not; a lost lock
 * turns the journal read-only first. A journal without a lock check passes.
 */
export async function assertLockForStep(w: WriterState): Promise<void> {
  const check = w.lock?.assertHeld ?? stepCheckOf(w.lock);
  if (check === undefined) return;
  const cause = await lockDenial(w, check);
  if (cause === undefined) return;
  if (isLockLost(cause)) w.enterReadOnly(cause);
  throw cause;
}

/**
 * A check a lock offers for the journal's own steps only (not its groups), under
 * {@link STEP_LOCK_CHECK}: how a store that checks its groups itself hands its lock to the journal.
 */
function stepCheckOf(lock: unknown): (() => Promise<void>) | undefined {
  const check = (lock as Record<symbol, unknown> | undefined)?.[STEP_LOCK_CHECK];
  return typeof check === "function" ? (check as () => Promise<void>) : undefined;
}
