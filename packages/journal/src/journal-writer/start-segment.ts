import type { FsFileHandle, WriteStage } from "@snapwrite/core";
import { PersistenceError, toPersistenceError } from "@snapwrite/core";
import { notRegularFile } from "@snapwrite/sink-fs";
import { parseSegmentFileName, segmentFileName } from "../file-names.js";
import { fsError, isExists, syncDir, writeAllAt } from "../journal-fs.js";
import { encodeRecordHeader, encodeSegmentHeader, RECORD_TYPE_DATA } from "../segment-format.js";
import type { Retained, WriterState } from "./writer-state.js";

/**
 * Creates segment `firstSeq` with `retained` records re-encoded under its salt, syncs it and the
 * directory, and makes it the active one. On failure the new file is removed (durably) so that
 * it can never vouch for a wrong predecessor length; if even that fails, the error says so.
 * `prevComplete`: the predecessor's records end at `prevValidBytes` (false for a seal).
 */
export async function startSegment(
  w: WriterState,
  firstSeq: number,
  prevValidBytes: number,
  retained: readonly Retained[],
  prevComplete = true,
): Promise<void> {
  const { handle, file } = await createSegmentFile(w, firstSeq);
  const salt = Math.floor(w.random() * 2 ** 32) >>> 0;
  const buffers: Uint8Array[] = [
    encodeSegmentHeader({
      salt,
      firstSeq,
      createdAt: Math.max(0, Math.floor(w.clock.now())),
      prevValidBytes,
      prevComplete,
    }),
  ];
  for (const r of retained) {
    buffers.push(
      encodeRecordHeader(
        salt,
        { seq: r.seq, codecId: r.codecId, type: RECORD_TYPE_DATA },
        r.payload,
      ),
      r.payload,
    );
  }
  const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  try {
    await writeAllAt(handle, buffers, 0);
    await handle.datasync();
    await syncDir(w.fs, w.dir);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await removeFailedSegment(w, file, error);
    throw fsError(error, "write", file);
  }
  const old = w.handle;
  w.handle = handle;
  w.file = file;
  w.salt = salt;
  w.position = total;
  w.syncedPosition = total;
  w.allocatedEnd = total;
  w.preallocating = w.preallocateBytes > 0;
  w.segments.push(file);
  const last = retained[retained.length - 1];
  w.durableSeq = last === undefined ? firstSeq - 1 : last.seq;
  w.retained = [];
  await old?.close().catch(() => undefined);
}

/**
 * Opens a new segment file for `firstSeq`, taking the next roll number while a regular file has
 * the name (a segment this journal started at the same seq before, a seal for instance). Anything
 * else at a segment's name (a directory, FIFO, socket, device or symlink) is refused with
 * `ERR_INVALID_TARGET`, `details.reason: "not-a-regular-file"`, as replay refuses it at the next
 * open: skipping it would leave a journal that runs on but cannot be reopened.
 */
async function createSegmentFile(
  w: WriterState,
  firstSeq: number,
): Promise<{ handle: FsFileHandle; file: string }> {
  let roll = firstFreeRoll(w, firstSeq);
  for (;;) {
    const file = segmentFileName(w.name, firstSeq, roll);
    try {
      return { handle: await w.fs.open(w.path(file), w.segmentFlags("wx"), 0o644), file };
    } catch (error) {
      if (!isExists(error)) throw fsError(error, "open", file);
      if (!(await isRegularFile(w, file))) {
        throw notRegularFile(w.path(file), { target: file, stage: "open" });
      }
      if (roll >= 0xffff) throw fsError(error, "open", file);
      roll++;
    }
  }
}

/**
 * The first roll number a new segment at `firstSeq` may take: past every segment of this journal
 * at that seq. A lower number freed by a compaction would sort the new segment before the one it
 * follows (the chain is read in name order).
 */
function firstFreeRoll(w: WriterState, firstSeq: number): number {
  let roll = 0;
  for (const file of w.segments) {
    const parsed = parseSegmentFileName(w.name, file);
    if (parsed !== undefined && parsed.firstSeq === firstSeq)
      roll = Math.max(roll, parsed.roll + 1);
  }
  return roll;
}

/** Whether `file` in the journal's directory is a regular file (`lstat`: a symlink is not one). */
async function isRegularFile(w: WriterState, file: string): Promise<boolean> {
  try {
    return (await w.fs.lstat(w.path(file))).isFile();
  } catch {
    // Gone again, or cannot be checked: taking the next roll number keeps the old behaviour.
    return true;
  }
}

/**
 * Removes a segment that could not be written, durably; throws when even that fails, with the
 * stage and mapped code of the call that failed — stage `"rename"` with `details.op: "unlink"` for
 * the `unlink` (core's `WriteStage` has no stage for removing a file; `"rename"` is the one of
 * directory-entry changes, as for the journal's other unlinks), `"sync-dir"` for the directory's
 * fsync — and `details.removed: false` (the journal turns read-only) and `details.original`, the
 * failure that stopped the start.
 */
async function removeFailedSegment(w: WriterState, file: string, error: unknown): Promise<void> {
  let stage: WriteStage = "rename";
  try {
    await w.fs.unlink(w.path(file));
    stage = "sync-dir";
    await syncDir(w.fs, w.dir);
  } catch (cleanup) {
    const mapped = toPersistenceError(cleanup, { stage, target: file });
    throw new PersistenceError(mapped.code, `cannot start segment ${file} nor remove it`, {
      stage,
      target: file,
      cause: cleanup,
      details: {
        ...mapped.details,
        ...(stage === "rename" ? { op: "unlink" } : {}),
        removed: false,
        original: toPersistenceError(error, { stage: "write", target: file }),
      },
    });
  }
}
