import type { FsPort } from "@snapwrite/core";
import { isProcessAlive, readRegularFile } from "@snapwrite/sink-fs";
import { danglingLinkOr } from "../dangling-link.js";
import {
  parseSegmentFileName,
  quarantinedSegmentOf,
  quarantineFileName,
  TORN_KIND,
  tornTempFileName,
} from "../file-names.js";
import { fsError, isNotFound, listDir, syncDir, writeNewFile } from "../journal-fs.js";
import type { WriterState } from "./writer-state.js";

const MAX_QUARANTINE_BYTES = 1024 * 1024;

/** The copy of a torn tail: its name, and whether this repair created it. */
export interface TornCopy {
  readonly name: string;
  readonly created: boolean;
}

/**
 * Copies the torn tail of `file` (bytes `from` to `to`, at most 1 MiB of them) to a
 * `<file>.torn-*` file, written as a temp file `.<file>.<pid>-<tag>.tmp` and renamed, so a copy
 * under its final name is always whole. A copy with exactly these bytes that an earlier repair of
 * the same tail left (it failed on a full disk, or its process was killed, before the successor
 * segment was started) is taken as it is, so retried repairs never pile up copies; temps of
 * processes that are gone are deleted first (see {@link sweepTornTemps}). A failed copy leaves
 * nothing behind.
 */
export async function copyTornTail(
  w: WriterState,
  file: string,
  from: number,
  to: number,
): Promise<TornCopy> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(w.fs, w.path(file), { target: w.path(file), stage: "open" });
  } catch (error) {
    throw fsError(await danglingLinkOr(w.fs, w.path(file), error), "open", file);
  }
  const slice = bytes.subarray(from, Math.min(to, from + MAX_QUARANTINE_BYTES));
  const names = await listDir(w.fs, w.dir);
  await sweepTornTemps(w, file, names);
  const existing = await findCopy(w, file, names, slice);
  if (existing !== undefined) return { name: existing, created: false };
  const name = quarantineFileName(file, TORN_KIND, w.clock.now(), w.tag());
  const temp = w.path(tornTempFileName(file, process.pid, w.tag()));
  await writeNewFile(w.fs, w.dir, temp, slice);
  try {
    await w.fs.rename(temp, w.path(name));
  } catch (error) {
    await w.fs.unlink(temp).catch(() => undefined);
    throw fsError(error, "rename", name);
  }
  const copy = { name, created: true };
  try {
    await syncDir(w.fs, w.dir);
  } catch (error) {
    await removeTornCopy(w, copy);
    throw error;
  }
  return copy;
}

/**
 * Deletes the temp files of torn-tail copies of `file` whose process is gone (a writer killed
 * while writing the copy): names matching exactly `.<file>.<pid>-<tag>.tmp` whose pid is not a
 * running process. A file of a live process (this one included) is never touched; never fails.
 */
async function sweepTornTemps(w: WriterState, file: string, names: readonly string[]) {
  const prefix = `.${file}.`;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^([1-9][0-9]{0,9})-[0-9a-z]{6}\.tmp$/.exec(name.slice(prefix.length));
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    await w.fs.unlink(w.path(name)).catch(() => undefined);
  }
}

/** Removes a copy this repair created once the repair failed after all (best effort). */
export async function removeTornCopy(w: WriterState, copy: TornCopy): Promise<void> {
  if (!copy.created) return;
  await w.fs.unlink(w.path(copy.name)).catch(() => undefined);
}

/** The name of a regular file `<file>.torn-*` among `names` holding exactly `slice`, if any. */
async function findCopy(
  w: WriterState,
  file: string,
  names: readonly string[],
  slice: Uint8Array,
): Promise<string | undefined> {
  const prefix = `${file}.torn-`;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    if (await holds(w.fs, w.path(name), slice)) return name;
  }
  return undefined;
}

/** Whether the regular file at `path` (never a symlink, FIFO or the like) holds exactly `slice`. */
async function holds(fs: FsPort, path: string, slice: Uint8Array): Promise<boolean> {
  try {
    const stats = await fs.lstat(path);
    if (!stats.isFile() || stats.size !== slice.byteLength) return false;
    const bytes = await readRegularFile(fs, path, { target: path, stage: "open" });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(slice);
  } catch {
    return false;
  }
}

/**
 * Deletes the copies of torn tails `<segment>.torn-<time>-<tag>` (regular files, exactly so named)
 * of this journal's segments that start at or below `seq` and are no longer in the directory: the
 * segments a removal deleted just now, or before (a removal stopped between a segment and its
 * copies, a version that kept the copies), and segments an open moved aside (their bytes, the torn
 * tail included, are in the file moved aside). A copy holds nothing its segment did not, so it goes
 * with it. Run under the lock, by the removal of segments; returns the names deleted, without the
 * directory fsync (the removal does it). A failed `unlink` rejects at stage `"rename"` with
 * `details.op: "unlink"`, as the other deletions of the writer do; a copy gone meanwhile is skipped.
 */
export async function removeTornCopiesThrough(w: WriterState, seq: number): Promise<string[]> {
  const names = await listDir(w.fs, w.dir);
  const present = new Set(names);
  const removed: string[] = [];
  for (const name of names.sort()) {
    const segment = quarantinedSegmentOf(w.name, name, TORN_KIND);
    if (segment === undefined || present.has(segment)) continue;
    if ((parseSegmentFileName(w.name, segment)?.firstSeq ?? Number.POSITIVE_INFINITY) > seq)
      continue;
    const stats = await w.fs.lstat(w.path(name)).catch(() => undefined);
    if (stats?.isFile() !== true) continue;
    try {
      await w.fs.unlink(w.path(name));
    } catch (error) {
      if (isNotFound(error)) continue;
      throw fsError(error, "rename", name, { op: "unlink" });
    }
    removed.push(name);
  }
  return removed;
}
