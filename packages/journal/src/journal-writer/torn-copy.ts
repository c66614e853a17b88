import type { FsPort } from "@snapwrite/core";
import { readRegularFile } from "@snapwrite/sink-fs";
import { danglingLinkOr } from "../dangling-link.js";
import { quarantineFileName } from "../file-names.js";
import { fsError, listDir, writeNewFile } from "../journal-fs.js";
import type { WriterState } from "./writer-state.js";

const MAX_QUARANTINE_BYTES = 1024 * 1024;

/** The copy of a torn tail: its name, and whether this repair created it. */
export interface TornCopy {
  readonly name: string;
  readonly created: boolean;
}

/**
 * Copies the torn tail of `file` (bytes `from` to `to`, at most 1 MiB of them) to a
 * `<file>.torn-*` file. A copy with exactly these bytes that an earlier repair of the same tail
 * left (it failed on a full disk, or its process was killed, before the successor segment was
 * started) is taken as it is, so retried repairs never pile up copies.
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
  const existing = await findCopy(w, file, slice);
  if (existing !== undefined) return { name: existing, created: false };
  const name = quarantineFileName(file, "torn", w.clock.now(), w.tag());
  await writeNewFile(w.fs, w.dir, w.path(name), slice);
  return { name, created: true };
}

/** Removes a copy this repair created once the repair failed after all (best effort). */
export async function removeTornCopy(w: WriterState, copy: TornCopy): Promise<void> {
  if (!copy.created) return;
  await w.fs.unlink(w.path(copy.name)).catch(() => undefined);
}

/** The name of a regular file `<file>.torn-*` holding exactly `slice`, if there is one. */
async function findCopy(
  w: WriterState,
  file: string,
  slice: Uint8Array,
): Promise<string | undefined> {
  const prefix = `${file}.torn-`;
  for (const name of await listDir(w.fs, w.dir)) {
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
