import type { FsFileHandle } from "@snapwrite/core";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { encodeRecordHeader } from "../segment-format.js";
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
    const size = next.payload.byteLength + 20;
    if (end === 0) cap = Math.min(w.maxGroupBytes, Math.max(size, size + w.smallFirstBytes));
    else if (bytes + size > cap) break;
    bytes += size;
    end++;
  }
  return queue.splice(0, end) as Pending[];
}

/**
 * Writes one group with a single `writev` (and, under `"commit"`, one `fdatasync`, unless the
 * segment was opened with `O_DSYNC`: then the `writev` returns once its data is durable), then
 * resolves its appends; a write or sync error seals the segment and fails the group.
 */
export async function writeGroup(w: WriterState, group: Pending[]): Promise<void> {
  const handle = w.handle as FsFileHandle;
  const firstSeq = w.lastSeq + 1;
  const buffers: Uint8Array[] = [];
  const offsets: number[] = [];
  let total = 0;
  group.forEach((p, i) => {
    const header = encodeRecordHeader(w.salt, { seq: firstSeq + i, codecId: p.codecId }, p.payload);
    offsets.push(w.position + total);
    buffers.push(header, p.payload);
    total += header.byteLength + p.payload.byteLength;
  });
  try {
    await writeAllAt(handle, buffers, w.position, total);
  } catch (error) {
    await failGroup(w, group, error, "write");
    return;
  }
  w.position += total;
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
    group.forEach((p, i) => {
      w.retained.push({ seq: firstSeq + i, codecId: p.codecId, payload: p.payload });
    });
  }
  w.lastSeq = firstSeq + group.length - 1;
  if (commit) {
    w.durableSeq = w.lastSeq;
  }
  const file = w.file;
  group.forEach((p, i) => {
    p.resolve({
      seq: firstSeq + i,
      durable: commit,
      file,
      offset: offsets[i] as number,
      bytes: (buffers[2 * i] as Uint8Array).byteLength + p.payload.byteLength,
    });
  });
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
