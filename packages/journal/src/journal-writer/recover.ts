import { constants } from "node:fs";
import { type FsFileHandle, PersistenceError } from "@snapwrite/core";
import { openRegularFile } from "@snapwrite/sink-fs";
import { danglingLinkOr } from "../dangling-link.js";
import { quarantineFileName, UNUSED_KIND } from "../file-names.js";
import { fsError, syncDir } from "../journal-fs.js";
import { replayJournal } from "../replay-journal.js";
import { emptyUnusedLeftovers, removeEmpty, splitEmpty } from "./empty-segments.js";
import { extendWindow } from "./preallocate.js";
import { startSegment } from "./start-segment.js";
import { copyTornTail, removeTornCopy } from "./torn-copy.js";
import type { WriterState } from "./writer-state.js";

/**
 * Replays the journal (passing records after `afterSeq` to `onRecord`), moves unused segments
 * aside (deletes those that hold nothing, and zero-byte `*.unused-*` leftovers) and repairs a torn
 * tail by starting a successor; sets `w.recovery`.
 */
export async function recover(w: WriterState): Promise<void> {
  const { options } = w;
  const report = await replayJournal({
    dir: w.dir,
    name: w.name,
    fs: w.fs,
    afterSeq: options.afterSeq,
    recovery: options.recovery,
    maxRecordBytes: w.maxRecordBytes,
    onRecord: options.onRecord,
  });
  await options.onReplayEnd?.();
  refuseSeqReuse(options.afterSeq, report.lastSeq, report.dropped);
  const end = report.end;
  // Under the lock (taken before recovery): unused segments that hold nothing and the zero-byte
  // `*.unused-*` files of earlier opens are deleted; every other unused segment is moved aside.
  const { empty, rest } = await splitEmpty(w, end.unused);
  const leftovers = await emptyUnusedLeftovers(w);
  const quarantined = [
    ...(await moveAside(w, end.superseded, "superseded")),
    ...(await moveAside(w, rest, UNUSED_KIND)),
  ];
  const removedEmpty = await removeEmpty(w, [...empty, ...leftovers]);
  w.segments = end.index < 0 ? [] : (end.files.slice(0, end.index + 1) as string[]);
  let sealed = false;
  let started = false;
  if (end.index < 0 || end.header === undefined) {
    const firstSeq = options.firstSeq ?? (options.afterSeq ?? 0) + 1;
    w.lastSeq = firstSeq - 1;
    w.durableSeq = w.lastSeq;
    await startSegment(w, firstSeq, 0, []);
    started = true;
  } else {
    w.lastSeq = report.lastSeq;
    w.durableSeq = report.lastSeq;
    const file = end.files[end.index] as string;
    // Zeros after the last record (preallocated space) are a clean end: appends overwrite them.
    if (end.validBytes + end.paddingBytes === end.fileBytes) {
      await reuse(w, file, end.header.salt, end.validBytes, end.fileBytes);
    } else {
      const torn = await copyTornTail(w, file, end.validBytes, end.fileBytes);
      try {
        // The valid prefix must be durable before a successor vouches for its length.
        await syncFile(w, file);
        await startSegment(w, report.lastSeq + 1, end.validBytes, []);
      } catch (error) {
        // The tail stays in the segment, so the next open copies it again: keep no stray copy.
        await removeTornCopy(w, torn);
        throw error;
      }
      quarantined.push(torn.name);
      sealed = true;
      started = true;
      w.emit({
        type: "tail-repaired",
        file,
        offset: end.validBytes,
        bytes: end.fileBytes - end.validBytes,
        quarantinedTo: torn.name,
      });
    }
  }
  w.recovery = { ...report, quarantined, removedEmpty, sealed };
  // A segment this open started gets its zero-filled space now; a reused one after its first
  // group, so that reopening without appends changes no file.
  if (started) await extendWindow(w);
}

/**
 * Under `point-in-time`, replay can stop before `afterSeq` (the snapshot the caller loaded). The
 * next append would then take a seq the snapshot already covers, and a later warm load from that
 * snapshot would skip it: an acknowledged record lost. Refuse instead, before any file changes.
 */
function refuseSeqReuse(afterSeq: number | undefined, lastSeq: number, dropped: number): void {
  if (afterSeq === undefined || dropped === 0 || lastSeq >= afterSeq) return;
  throw new PersistenceError(
    "ERR_GAP",
    `journal replay stopped at seq ${lastSeq}, before the snapshot's seq ${afterSeq}: appending would reuse seqs the snapshot covers; repair the journal or open with recovery "salvage"`,
    { stage: "open", details: { lastSeq, afterSeq, dropped } },
  );
}

/**
 * Segments replay did not use (a torn header, dropped by point-in-time, or superseded) are moved
 * aside, never deleted (but for unused ones that hold nothing, see `holdsNothing`): a superseded
 * one left in place would cut its predecessor again once the journal rolls past it.
 */
async function moveAside(
  w: WriterState,
  unused: readonly string[],
  kind: "unused" | "superseded",
): Promise<string[]> {
  const quarantined: string[] = [];
  const now = w.clock.now();
  for (const file of unused) {
    const aside = quarantineFileName(file, kind, now, w.tag());
    try {
      await w.fs.rename(w.path(file), w.path(aside));
    } catch (error) {
      throw fsError(error, "rename", file);
    }
    quarantined.push(aside);
  }
  if (unused.length > 0) await syncDir(w.fs, w.dir);
  return quarantined;
}

async function syncFile(w: WriterState, file: string): Promise<void> {
  let handle: FsFileHandle | undefined;
  try {
    const context = { target: w.path(file), stage: "sync" } as const;
    ({ handle } = await openRegularFile(w.fs, w.path(file), context, constants.O_RDWR));
    await handle.datasync();
  } catch (error) {
    throw fsError(await danglingLinkOr(w.fs, w.path(file), error, "sync"), "sync", file);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Makes an intact last segment (valid up to `size`, zeros up to `fileBytes`) the active one again. */
async function reuse(
  w: WriterState,
  file: string,
  salt: number,
  size: number,
  fileBytes: number,
): Promise<void> {
  try {
    const context = { target: w.path(file), stage: "open" } as const;
    w.handle = (await openRegularFile(w.fs, w.path(file), context, w.segmentFlags("r+"))).handle;
  } catch (error) {
    throw fsError(await danglingLinkOr(w.fs, w.path(file), error), "open", file);
  }
  w.file = file;
  w.salt = salt;
  w.position = size;
  w.syncedPosition = size;
  w.allocatedEnd = fileBytes;
  w.preallocating = w.preallocateBytes > 0;
}
