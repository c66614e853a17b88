import type { FsFileHandle } from "@snapwrite/core";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { type HeldLock, isLockLost } from "../lock-adapter.js";
import { lstatLogFile } from "./log-file-access.js";
import type { Active, LogState } from "./log-state.js";
import { sessionLostDuringWrite } from "./session-lock.js";

/** The error failing a written batch that cannot be vouched for: `committed: "unknown"`. */
function outlived(log: LogState, cause: PersistenceError): PersistenceError {
  return new PersistenceError(cause.code, `append outlived its lock: ${cause.message}`, {
    stage: "lock",
    target: log.files.active,
    cause,
    details: { ...cause.details, committed: "unknown" },
  });
}

/** `ERR_LOCKED` (`"lost"`) for a write that found another writer's traces in the file it wrote. */
function notExclusive(log: LogState, what: string): PersistenceError {
  return new PersistenceError(
    "ERR_LOCKED",
    `${what} during the write: another process held the lock meanwhile`,
    { stage: "lock", target: log.files.active, details: { reason: "lost" } },
  );
}

/** The per-batch lock's loss, when it was found broken after the write. */
async function appendLockLost(
  log: LogState,
  held: HeldLock | undefined,
): Promise<PersistenceError | undefined> {
  if (held?.assertHeld === undefined) return undefined;
  try {
    await held.assertHeld();
    return undefined;
  } catch (error) {
    const cause = toPersistenceError(error, { stage: "lock", target: log.files.active });
    // Not known to be lost (unreadable, unconfirmed): the file checks below still apply.
    return isLockLost(cause) ? outlived(log, cause) : undefined;
  }
}

/**
 * After a batch was written (and synced) under a lock, before it is acknowledged: the error
 * failing it (`ERR_LOCKED`, `details.reason: "lost"`, `committed: "unknown"`) when the lock turns
 * out lost, or when the active file shows another writer was at work — it grew by more than this
 * batch (the batch went to the end, past the other writer's records: the file is opened with
 * `O_APPEND`), or the active name no longer names the file written (rotated or replaced).
 * Under `lock: false` (one writer) nothing is checked.
 */
export async function lostDuringWrite(
  log: LogState,
  held: HeldLock | undefined,
  active: Active,
  end: number,
): Promise<PersistenceError | undefined> {
  if (log.lockMode === false) return undefined;
  const lost =
    log.lockMode === "session"
      ? await sessionLostDuringWrite(log)
      : await appendLockLost(log, held);
  if (lost !== undefined) return lost;
  const handle = log.handle as FsFileHandle;
  const [stats, found] = await Promise.all([
    handle.stat(),
    lstatLogFile(log.fs, log.activePath, { target: log.files.active, stage: "lock" }).catch(
      () => undefined,
    ),
  ]);
  if (stats.size !== end)
    return outlived(log, notExclusive(log, "the active file grew by more than the batch"));
  if (found?.ino !== active.ino) {
    return outlived(log, notExclusive(log, "the active file was rotated or replaced"));
  }
  return undefined;
}
