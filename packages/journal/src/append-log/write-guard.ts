import type { FsFileHandle } from "@snapwrite/core";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { type HeldLock, isLockLost } from "../lock-adapter.js";
import { lstatLogFile } from "./log-file-access.js";
import type { Active, LogState } from "./log-state.js";
import { refusedByLock } from "./session-lock.js";

/** `ERR_LOCKED` (`"lost"`) for a write that found another writer's traces in the file it wrote. */
function notExclusive(log: LogState, what: string): PersistenceError {
  return new PersistenceError(
    "ERR_LOCKED",
    `${what} during the write: another process held the lock meanwhile`,
    { stage: "lock", target: log.files.active, details: { reason: "lost" } },
  );
}

/**
 * Asks the lock (the per-batch one, or the session's) whether it is still this writer's:
 * `"held"` when it confirms so, `"unconfirmed"` when it cannot tell (no `assertHeld`, an
 * unreadable or unconfirmed lock), or the error failing the batch when it was lost.
 */
async function confirmLock(
  log: LogState,
  held: HeldLock | undefined,
): Promise<"held" | "unconfirmed" | PersistenceError> {
  if (held?.assertHeld === undefined) return "unconfirmed";
  try {
    await held.assertHeld();
    return "held";
  } catch (error) {
    const cause = toPersistenceError(error, { stage: "lock", target: log.files.active });
    if (!isLockLost(cause)) return "unconfirmed";
    // A lost session lock refuses every later append too.
    if (log.lockMode === "session") log.lockLost ??= cause;
    return refusedByLock(log, cause, "unknown");
  }
}

/**
 * After a batch was written (and synced) under a lock, before it is acknowledged: the error
 * failing it (`ERR_LOCKED`, `details.reason: "lost"`, `committed: "unknown"`) when the lock turns
 * out lost. When the lock cannot confirm itself, the active file is checked instead: the batch
 * fails the same way when the file grew by more than this batch (it went to the end, past another
 * writer's records: the file is opened with `O_APPEND`) or the active name no longer leads to the
 * file written (rotated or replaced). A lock that confirms itself was never broken meanwhile, so
 * no other writer can have been at work. Under `lock: false` (one writer) nothing is checked.
 */
export async function lostDuringWrite(
  log: LogState,
  held: HeldLock | undefined,
  active: Active,
  end: number,
): Promise<PersistenceError | undefined> {
  if (log.lockMode === false) return undefined;
  const lock = await confirmLock(log, held);
  if (lock === "held") return undefined;
  if (lock !== "unconfirmed") return lock;
  const handle = log.handle as FsFileHandle;
  const [stats, found] = await Promise.all([
    handle.stat(),
    lstatLogFile(log.fs, log.activePath, { target: log.files.active, stage: "lock" }).catch(
      () => undefined,
    ),
  ]);
  if (stats.size !== end) {
    return refusedByLock(
      log,
      notExclusive(log, "the active file grew by more than the batch"),
      "unknown",
    );
  }
  if (found?.ino !== active.ino) {
    return refusedByLock(
      log,
      notExclusive(log, "the active file was rotated or replaced"),
      "unknown",
    );
  }
  return undefined;
}
