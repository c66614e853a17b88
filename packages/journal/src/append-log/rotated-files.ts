import { listDir } from "../journal-fs.js";
import { recordTooLarge } from "./log-errors.js";
import { readLogFile } from "./log-file-access.js";
import { readLogHeader } from "./log-header.js";
import type { LogState } from "./log-state.js";

/** The rotated files beside the active one, oldest first; `names`: a listing of the log's directory already made. */
export async function rotatedFiles(
  log: LogState,
  names?: readonly string[],
): Promise<{ file: string; firstSeq: number }[]> {
  const out: { file: string; firstSeq: number }[] = [];
  for (const file of names ?? (await listDir(log.fs, log.files.dir))) {
    const firstSeq = log.files.parseRotated(file);
    if (firstSeq !== undefined) out.push({ file, firstSeq });
  }
  return out.sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The seq after the newest rotated file's last record (1 when there is none). */
export async function seqAfterRotated(log: LogState): Promise<number> {
  const newest = (await rotatedFiles(log)).at(-1);
  if (newest === undefined) return 1;
  const bytes = await readLogFile(log.fs, log.files.path(newest.file), {
    target: newest.file,
    stage: "open",
  });
  let next = newest.firstSeq;
  if (bytes === undefined) return next; // deleted meanwhile (retention of another writer)
  // Behind a damaged header, the records are still read: their seqs are never handed out again.
  const read = readLogHeader(log.format, bytes, newest.file);
  if (read.kind === "torn") return next;
  for (const entry of log.format.entries(
    bytes,
    read.header.bytes,
    read.header,
    log.maxRecordBytes,
  )) {
    if (entry.kind === "oversized") throw recordTooLarge(newest.file, entry, log.maxRecordBytes);
    if (entry.kind === "record") next = Math.max(next, entry.seq + 1);
  }
  return next;
}
