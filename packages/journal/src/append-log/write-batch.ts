import type { FsFileHandle } from "@snapwrite/core";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { appendTooLarge } from "../append-too-large.js";
import { writeAllAt } from "../journal-fs.js";
import type { HeldLock } from "../lock-adapter.js";
import { prepareActive, rewritePrefix } from "./active-file.js";
import { encodeFailure } from "./log-errors.js";
import { logFailure } from "./log-file-access.js";
import type { Active, LogState, Pending } from "./log-state.js";
import { rotateNow, rotationDue } from "./rotation.js";
import { lostDuringWrite } from "./write-guard.js";

const MAX_BATCH_RECORDS = 4096;

interface Accepted {
  readonly pending: Pending;
  readonly seq: number;
  readonly offset: number;
  readonly bytes: number;
}

/** Encodes a batch from `firstSeq` on; values that cannot be encoded are rejected and skipped. */
function encodeBatch(log: LogState, batch: Pending[], firstSeq: number) {
  const buffers: Uint8Array[] = [];
  const accepted: Accepted[] = [];
  let total = 0;
  for (const pending of batch) {
    let parts: Uint8Array[];
    const seq = firstSeq + accepted.length;
    try {
      parts = log.format.encode(seq, pending.value, log.active?.header.salt ?? 0);
    } catch (cause) {
      pending.reject(encodeFailure(cause));
      continue;
    }
    const bytes = parts.reduce((n, p) => n + p.byteLength, 0);
    if (bytes > log.maxRecordBytes) {
      pending.reject(appendTooLarge(bytes, log.maxRecordBytes));
      continue;
    }
    accepted.push({ pending, seq, offset: total, bytes });
    buffers.push(...parts);
    total += bytes;
  }
  return { buffers, accepted, total };
}

/**
 * Writes up to 4096 queued appends under the lock with one write (and, under `"append"`, one
 * sync); the rest goes back to the front of `queue`.
 */
export async function writeBatch(log: LogState, all: Pending[], queue: Pending[]): Promise<void> {
  // Bound one write: the rest of the batch goes into the next round.
  const batch = all.slice(0, MAX_BATCH_RECORDS);
  if (all.length > MAX_BATCH_RECORDS) queue.unshift(...all.slice(MAX_BATCH_RECORDS));
  try {
    await log.withLock(async (held) => {
      let active = await prepareActive(log);
      if (rotationDue(log, active)) active = await rotateNow(log, active);
      await writeEncoded(log, batch, active, held);
    });
  } catch (error) {
    rejectUnwritten(batch, logFailure(error, { stage: "lock", target: log.files.active }));
  }
}

/**
 * A failure before the batch's write (taking the lock, checking or repairing the active file,
 * rotating): none of its records reached the file, so each rejection says `committed: false`
 * beside the failure's own details. Appends already settled (a failure after the write, such as
 * releasing the lock) are not changed.
 */
function rejectUnwritten(batch: readonly Pending[], failure: PersistenceError): void {
  const error = new PersistenceError(failure.code, `append failed: ${failure.message}`, {
    stage: failure.stage,
    target: failure.target,
    cause: failure,
    details: { ...failure.details, committed: false },
  });
  for (const p of batch) p.reject(error);
}

async function writeEncoded(
  log: LogState,
  batch: Pending[],
  active: Active,
  held: HeldLock | undefined,
): Promise<void> {
  const { buffers, accepted, total } = encodeBatch(log, batch, active.nextSeq);
  if (accepted.length === 0) return;
  const handle = log.handle as FsFileHandle;
  // The file is in append mode: the batch lands at its end, which is `at` unless another
  // process wrote meanwhile (then `lostDuringWrite` fails the batch).
  const at = active.size;
  let stage: "write" | "sync" = "write";
  try {
    await writeAllAt(handle, buffers, at);
    log.dirty = true;
    if (log.durability === "append") {
      stage = "sync";
      await handle.datasync();
      log.dirty = false;
    }
  } catch (error) {
    await failBatch(log, accepted, at, error, stage);
    return;
  }
  log.appended += accepted.length;
  const lost = await lostDuringWrite(log, held, active, at + total);
  if (lost !== undefined) {
    // Where the batch landed is not known: the next batch prepares the active file afresh.
    await log.release();
    for (const a of accepted) a.pending.reject(lost);
    return;
  }
  log.active = { ...active, size: at + total, nextSeq: active.nextSeq + accepted.length };
  const durable = log.durability === "append";
  for (const a of accepted) {
    a.pending.resolve({
      seq: a.seq,
      file: log.files.active,
      offset: at + a.offset,
      bytes: a.bytes,
      durable,
    });
  }
}

/** Undoes a failed write or sync and rejects its appends, saying whether they could reappear. */
async function failBatch(
  log: LogState,
  accepted: readonly Accepted[],
  at: number,
  error: unknown,
  stage: "write" | "sync",
): Promise<void> {
  const failure = toPersistenceError(error, { stage, target: log.files.active });
  const undone = await undo(log, at);
  for (const a of accepted) {
    a.pending.reject(
      new PersistenceError(failure.code, `append failed: ${failure.message}`, {
        stage,
        target: log.files.active,
        cause: failure,
        details: { ...failure.details, committed: undone ? false : "unknown" },
      }),
    );
  }
}

/**
 * After a failed write or sync: cut the file back to `size` through a fresh, synced copy, so
 * the failed records can never reappear (the failed descriptor is never synced again).
 */
async function undo(log: LogState, size: number): Promise<boolean> {
  const handle = log.handle;
  log.handle = undefined;
  log.active = undefined;
  await handle?.close().catch(() => undefined);
  try {
    await rewritePrefix(log, size, "failed");
    return true;
  } catch {
    return false;
  }
}
