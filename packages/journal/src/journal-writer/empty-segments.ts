import type { FsPort } from "@snapwrite/core";
import { isUnusedSegmentName } from "../file-names.js";
import { fsError, listDir, syncDir } from "../journal-fs.js";
import { readHeader } from "../segment-header-read.js";
import type { WriterState } from "./writer-state.js";

/**
 * Whether the segment file at `path` holds nothing: a regular file (`lstat`) that is zero bytes
 * long, or whose every byte is zero — its header is zero-filled or cut short within zeros and
 * nothing but zeros follows (what a roll killed between creating the file and writing its header
 * leaves, or a power loss that kept the file's size but not its data). Such a file has no header,
 * so no salt a record's checksum could be checked with, and zeros are never a record: not a byte
 * of a possible record is in it. Anything else, or a file that cannot be checked, holds something.
 */
export async function holdsNothing(fs: FsPort, path: string): Promise<boolean> {
  try {
    const stats = await fs.lstat(path);
    if (!stats.isFile()) return false;
    if (stats.size === 0) return true;
    const entry = await readHeader(fs, path);
    return (
      entry.header === undefined &&
      entry.error?.details?.reason === "zero" &&
      !entry.dataAfterHeader
    );
  } catch {
    return false;
  }
}

/** `files` (names in the journal's directory) split into those that hold nothing and the rest. */
export async function splitEmpty(
  w: WriterState,
  files: readonly string[],
): Promise<{ empty: string[]; rest: string[] }> {
  const empty: string[] = [];
  const rest: string[] = [];
  for (const file of files) {
    ((await holdsNothing(w.fs, w.path(file))) ? empty : rest).push(file);
  }
  return { empty, rest };
}

/**
 * The `<segment>.unused-<time>-<tag>` files of this journal that earlier opens moved aside and that
 * are zero bytes long (regular files, by `lstat`). Such a file held nothing when it was moved aside.
 */
export async function emptyUnusedLeftovers(w: WriterState): Promise<string[]> {
  const found: string[] = [];
  for (const file of await listDir(w.fs, w.dir)) {
    if (!isUnusedSegmentName(w.name, file)) continue;
    const stats = await w.fs.lstat(w.path(file)).catch(() => undefined);
    if (stats?.isFile() === true && stats.size === 0) found.push(file);
  }
  return found.sort();
}

/**
 * Deletes `files` from the journal's directory, then fsyncs it once; returns their names. A failed
 * `unlink` rejects at stage `"rename"` with `details.op: "unlink"`: core's `WriteStage` has no
 * stage of its own for removing a file, and `"rename"` is the one of changes to a directory entry
 * (the stage the moves aside beside it report, and sink-fs's unlinks, with their `op`).
 */
export async function removeEmpty(w: WriterState, files: readonly string[]): Promise<string[]> {
  for (const file of files) {
    try {
      await w.fs.unlink(w.path(file));
    } catch (error) {
      throw fsError(error, "rename", file, { op: "unlink" });
    }
  }
  if (files.length > 0) await syncDir(w.fs, w.dir);
  return [...files];
}
