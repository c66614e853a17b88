import type { FsFileHandle, PersistenceError } from "@snapwrite/core";
import { toPersistenceError } from "@snapwrite/core";
import { parseSegmentFileName, quarantineFileName } from "../file-names.js";
import { fsError, syncDir } from "../journal-fs.js";
import { listSegments } from "../replay-journal.js";
import { assertLockForStep } from "./lock-guard.js";
import { startSegment } from "./start-segment.js";
import { removeTornCopiesThrough } from "./torn-copy.js";
import type { Retained, WriterState } from "./writer-state.js";

/**
 * Drops the poisoned descriptor and starts a successor at the last synced length that re-writes
 * the unsynced records; when that fails too, the journal turns read-only. Returns whether it sealed.
 */
export async function seal(w: WriterState, cause: PersistenceError): Promise<boolean> {
  const old = w.file;
  const poisoned = w.handle;
  w.handle = undefined;
  await poisoned?.close().catch(() => undefined);
  const retained = w.retained;
  const firstSeq = w.durableSeq + 1;
  try {
    await startSegment(w, firstSeq, w.syncedPosition, retained, false);
  } catch (error) {
    w.enterReadOnly(toPersistenceError(error, { stage: "write", target: old }));
    return false;
  }
  w.lastSeq = retained.length > 0 ? (retained[retained.length - 1] as Retained).seq : firstSeq - 1;
  w.seals++;
  w.emit({ type: "sealed", file: old, next: w.file, error: cause });
  return true;
}

/** Syncs the active segment when it has unsynced bytes; reports a slow interval sync. */
export async function syncNow(w: WriterState): Promise<void> {
  if (w.readOnlyError !== undefined) throw w.readOnlyFailure();
  if (w.syncedPosition === w.position) return;
  const handle = w.handle as FsFileHandle;
  const started = w.clock.now();
  try {
    await handle.datasync();
  } catch (error) {
    const cause = toPersistenceError(error, { stage: "sync", target: w.file });
    if (!(await seal(w, cause))) throw w.readOnlyFailure();
    return;
  }
  w.syncedPosition = w.position;
  const last = w.retained[w.retained.length - 1];
  if (last !== undefined) w.durableSeq = last.seq;
  w.retained = [];
  w.emit({ type: "durable", seq: w.durableSeq });
  const took = w.clock.now() - started;
  if (typeof w.durability === "object") {
    if (took > 2 * w.durability.intervalMs) {
      if (w.mode === "ok") w.mode = "degraded";
      w.emit({ type: "degraded", syncMs: took });
    } else if (w.mode === "degraded") w.mode = "ok";
  }
}

/** Syncs and starts a new segment at `lastSeq + 1`; returns its name. */
export async function rollNow(w: WriterState): Promise<string> {
  await syncNow(w);
  if (w.readOnlyError !== undefined) throw w.readOnlyFailure();
  await assertLockForStep(w);
  const old = w.file;
  try {
    await startSegment(w, w.lastSeq + 1, w.position, []);
  } catch (error) {
    const e = toPersistenceError(error, { stage: "write", target: old });
    // A segment that could not be removed, or something foreign at the new segment's name that
    // the next open would refuse too: the journal cannot go on as it is.
    if (e.details?.removed === false || e.details?.reason === "not-a-regular-file") {
      w.enterReadOnly(e);
    }
    throw e;
  }
  // The lock may have been found lost while the segment was being created: the roll happened,
  // but the journal is read-only now and must not report it as a step that went through.
  if (w.readOnlyError !== undefined) throw w.readOnlyFailure();
  w.emit({ type: "rolled", file: old, next: w.file });
  return w.file;
}

/**
 * Deletes the oldest segments whose records all have seq ≤ `seq`, never the active one. Stops with
 * `closed()` before the next deletion once the journal's close was called meanwhile (it runs after
 * this task): the files deleted so far stay deleted, the others stay. A failed `unlink` rejects at
 * stage `"rename"` with `details.op: "unlink"`, as the open's removal of empty leftovers does.
 */
export async function removeSegmentsThrough(
  w: WriterState,
  seq: number,
  closed: () => Error,
): Promise<string[]> {
  await assertLockForStep(w);
  const removed: string[] = [];
  while (w.segments.length > 1) {
    if (w.closing !== undefined) throw closed();
    const next = parseSegmentFileName(w.name, w.segments[1] as string);
    if (next === undefined || next.firstSeq > seq + 1) break;
    const file = w.segments[0] as string;
    try {
      await w.fs.unlink(w.path(file));
    } catch (error) {
      throw fsError(error, "rename", file, { op: "unlink" });
    }
    w.segments.shift();
    removed.push(file);
  }
  if (w.closing !== undefined) throw closed();
  const setAside = await setForeignAside(w, seq);
  if (w.closing !== undefined) throw closed();
  // Then the copies of torn tails of the segments at or below `seq` that are gone (deleted now or
  // before, or moved aside): returned after the segments.
  const copies = await removeTornCopiesThrough(w, seq);
  if (removed.length > 0 || setAside || copies.length > 0) await syncDir(w.fs, w.dir);
  return [...removed, ...copies];
}

/**
 * Moves aside (`*.foreign-<time>-<tag>`) the segment files at seqs the snapshot covers that this
 * journal never wrote nor read: a stale roll of a writer that lost the lock, whose records would
 * otherwise read as history once the segments they contradict are gone. Returns whether it moved
 * any.
 */
async function setForeignAside(w: WriterState, seq: number): Promise<boolean> {
  const mine = new Set(w.segments);
  let moved = false;
  for (const file of await listSegments(w.fs, w.dir, w.name)) {
    const parsed = parseSegmentFileName(w.name, file);
    if (mine.has(file) || parsed === undefined || parsed.firstSeq > seq) continue;
    try {
      await w.fs.rename(
        w.path(file),
        w.path(quarantineFileName(file, "foreign", w.clock.now(), w.tag())),
      );
      moved = true;
    } catch (error) {
      throw fsError(error, "rename", file);
    }
  }
  return moved;
}
