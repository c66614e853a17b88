import type { FsFileHandle } from "@snapwrite/core";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { writeAllAt } from "../journal-fs.js";
import { encodeRecordInto, groupRecordFlags } from "../segment-format.js";
import { lockKeptThrough, lockStillHeld } from "./lock-guard.js";
import { seal } from "./seal-and-roll.js";
import {
  type Pending,
  pendingBytes,
  recordCount,
  type Task,
  type WriterState,
} from "./writer-state.js";

/** Takes the longest run of appends at the queue's front that fits one group, in one splice. */
export function takeGroup(w: WriterState, queue: (Pending | Task)[]): Pending[] {
  let bytes = 0;
  let cap = w.maxGroupBytes;
  let end = 0;
  while (end < queue.length) {
    const next = queue[end] as Pending | Task;
    if ("task" in next) break;
    const size = pendingBytes(next);
    if (end === 0) cap = Math.min(w.maxGroupBytes, Math.max(size, size + w.smallFirstBytes));
    else if (bytes + size > cap) break;
    bytes += size;
    end++;
  }
  return queue.splice(0, end) as Pending[];
}

/** Calls `each` for every record of `group` in order, with its index in the group. */
function forEachRecord(
  group: readonly Pending[],
  each: (payload: Uint8Array, codecId: number, index: number) => void,
): void {
  let index = 0;
  for (const p of group) {
    if ("payloads" in p) {
      for (const payload of p.payloads) each(payload, p.codecId, index++);
    } else {
      each(p.payload, p.codecId, index++);
    }
  }
}

/**
 * Whether a group written at `start` may land over preallocated space, inside the file's size:
 * there a power loss can persist a later page of it and not an earlier one, so its records carry
 * `RECORD_FLAG_PREALLOCATED` (replay then tells such a torn group from damage; see `scanSegment`).
 * Appended to a growing file, the size is committed after the data and hides such a tear.
 */
function overPreallocated(w: WriterState, start: number): boolean {
  return w.preallocateBytes > 0 || start < w.allocatedEnd;
}

/**
 * Encodes a group's records (seqs from `firstSeq`) into one buffer: the single `writev` then has
 * one part, and the checksums run over contiguous bytes. The last record carries
 * `RECORD_FLAG_GROUP_END`.
 */
function encodeGroup(
  w: WriterState,
  group: readonly Pending[],
  firstSeq: number,
  start: number,
): Uint8Array {
  let total = 0;
  let records = 0;
  for (const p of group) {
    total += pendingBytes(p);
    records += recordCount(p);
  }
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer, bytes.byteOffset, total);
  const preallocated = overPreallocated(w, start);
  let at = 0;
  forEachRecord(group, (payload, codecId, i) => {
    const flags = groupRecordFlags(preallocated, i, records);
    at = encodeRecordInto(bytes, view, at, w.salt, firstSeq + i, codecId, payload, flags);
  });
  return bytes;
}

/** Resolves the appends of a group written from `offset` with seqs from `firstSeq`. */
function acknowledge(
  group: readonly Pending[],
  firstSeq: number,
  durable: boolean,
  file: string,
  offset: number,
): void {
  let seq = firstSeq;
  for (const p of group) {
    const bytes = pendingBytes(p);
    if ("payloads" in p) {
      const lastSeq = seq + p.payloads.length - 1;
      p.resolve({ firstSeq: seq, lastSeq, durable, file, offset, bytes });
      seq = lastSeq + 1;
    } else {
      p.resolve({ seq, durable, file, offset, bytes });
      seq++;
    }
    offset += bytes;
  }
}

/**
 * Writes one group with a single `writev` (and, under `"commit"`, one `fdatasync`, unless the
 * segment was opened with `O_DSYNC`: then the `writev` returns once its data is durable), then
 * resolves its appends; a write or sync error seals the segment and fails the group. A lock that
 * is no longer ours fails the group unwritten (see `lockStillHeld`).
 */
export async function writeGroup(w: WriterState, group: Pending[]): Promise<void> {
  if (w.lock?.assertHeld !== undefined && !(await lockStillHeld(w, group))) return;
  const handle = w.handle as FsFileHandle;
  const firstSeq = w.lastSeq + 1;
  const start = w.position;
  const bytes = encodeGroup(w, group, firstSeq, start);
  try {
    await writeAllAt(handle, [bytes], start);
  } catch (error) {
    await failGroup(w, group, error, "write");
    return;
  }
  w.position = start + bytes.byteLength;
  const commit = w.durability === "commit";
  if (commit) {
    if (w.syncWriteFlag === 0) {
      try {
        await handle.datasync();
      } catch (error) {
        await failGroup(w, group, error, "sync");
        return;
      }
    }
    w.syncedPosition = w.position;
  } else {
    forEachRecord(group, (payload, codecId, i) => {
      w.retained.push({ seq: firstSeq + i, codecId, payload });
    });
  }
  let records = 0;
  for (const p of group) records += recordCount(p);
  w.lastSeq = firstSeq + records - 1;
  if (commit) w.durableSeq = w.lastSeq;
  if (w.lock?.assertHeld !== undefined && !(await lockKeptThrough(w, group))) return;
  acknowledge(group, firstSeq, commit, w.file, start);
  if (commit) w.emit({ type: "durable", seq: w.durableSeq });
}

/**
 * A write or sync error poisons the descriptor (a retried fsync cannot be trusted): seal the
 * segment at its last synced length by starting a successor that records that length and
 * re-writes the acknowledged but unsynced records, then fail the group definitely.
 */
async function failGroup(
  w: WriterState,
  group: readonly Pending[],
  error: unknown,
  stage: "write" | "sync",
): Promise<void> {
  const cause = toPersistenceError(error, { stage, target: w.file });
  const sealedOk = await seal(w, cause);
  // The OS code the failure was mapped from (`ENOSPC` for `ERR_NO_SPACE`), as sink-fs reports it.
  const osCode = cause.details?.osCode;
  for (const p of group) {
    p.reject(
      new PersistenceError(cause.code, `journal ${stage} failed: ${cause.message}`, {
        stage,
        target: w.file,
        cause,
        details: {
          ...(osCode === undefined ? {} : { osCode }),
          ...(sealedOk
            ? { committed: false, sealed: true }
            : { committed: "unknown", readOnly: true }),
        },
      }),
    );
  }
}
