import { listDir } from "../journal-fs.js";
import { readLogFile } from "./log-file-access.js";
import type { LogState } from "./log-state.js";

/** The rotated files beside the active one, oldest first. */
export async function rotatedFiles(log: LogState): Promise<{ file: string; firstSeq: number }[]> {
  const out: { file: string; firstSeq: number }[] = [];
  for (const file of await listDir(log.fs, log.files.dir)) {
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
  try {
    const header = log.format.parseHeader(bytes);
    for (const entry of log.format.entries(bytes, header.bytes, header, log.maxRecordBytes)) {
      if (entry.kind === "record") next = entry.seq + 1;
    }
  } catch {
    // A rotated file with a damaged header still starts at the seq in its name.
  }
  return next;
}
