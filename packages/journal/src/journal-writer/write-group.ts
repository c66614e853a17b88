import type { FsFileHandle } from "@snapwrite/core";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { encodeRecordInto, RECORD_HEADER_BYTES } from "../segment-format.js";
import { seal } from "./seal-and-roll.js";
import { writeAllAt } from "./start-segment.js";
import type { Pending, Task, WriterState } from "./writer-state.js";

/** Takes the longest run of appends at the queue's front that fits one group, in one splice. */
export function takeGroup(w: WriterState, queue: (Pending | Task)[]): Pending[] {
  let bytes = 0;
  let cap = w.maxGroupBytes;
  let end = 0;
  while (end < queue.length) {
    const next = queue[end] as Pending | Task;
    if ("task" in next) break;
    const size = next.payload.byteLength + RECORD_HEADER_BYTES;
    if (end === 0) cap = Math.min(w.maxGroupBytes, Math.max(size, size + w.smallFirstBytes));
    else if (bytes + size > cap) break;
    bytes += size;
    end++;
  }
  return queue.splice(0, end) as Pending[];
}

/**
 * Encodes a group's records (seqs from `firstSeq`) into one buffer: the single `writev` then has
 * one part, and the checksums run over contiguous bytes.
 */
function encodeGroup(w: WriterState, group: readonly Pending[], firstSeq: number): Uint8Array {
  let total = 0;
  for (const p of group) total += RECORD_HEADER_BYTES + p.payload.byteLength;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer, bytes.byteOffset, total);
  let at = 0;
  for (let i = 0; i < group.length; i++) {
    const p = group[i] as Pending;
    at = encodeRecordInto(bytes, view, at, w.salt, firstSeq + i, p.codecId, p.payload);
  }
  return bytes;
}

/**
 * Writes one group with a single `writev` (and, under `"commit"`, one `fdatasync`, unless the
 * segment was opened with `O_DSYNC`: then the `writev` returns once its data is durable), then
 * resolves its appends; a write or sync error seals the segment and fails the group.
 */
export async function writeGroup(w: WriterState, group: Pending[]): Promise<void> {
  const handle = w.handle as FsFileHandle;
  const firstSeq = w.lastSeq + 1;
  const start = w.position;
  const bytes = encodeGroup(w, group, firstSeq);
  try {
    await writeAllAt(handle, [bytes], start, bytes.byteLength);
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
    for (let i = 0; i < group.length; i++) {
      const p = group[i] as Pending;
      w.retained.push({ seq: firstSeq + i, codecId: p.codecId, payload: p.payload });
    }
  }
  w.lastSeq = firstSeq + group.length - 1;
  if (commit) w.durableSeq = w.lastSeq;
  const file = w.file;
  let offset = start;
  for (let i = 0; i < group.length; i++) {
    const p = group[i] as Pending;
    const size = RECORD_HEADER_BYTES + p.payload.byteLength;
    p.resolve({ seq: firstSeq + i, durable: commit, file, offset, bytes: size });
    offset += size;
  }
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
  for (const p of group) {
    p.reject(
      new PersistenceError(cause.code, `journal ${stage} failed: ${cause.message}`, {
        stage,
        target: w.file,
        cause,
        details: sealedOk
          ? { committed: false, sealed: true }
          : { committed: "unknown", readOnly: true },
      }),
    );
  }
}
