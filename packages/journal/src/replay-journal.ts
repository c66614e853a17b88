import { join } from "node:path";
import type { FsPort, PersistenceError } from "@snapwrite/core";
import { fsFailure } from "@snapwrite/sink-fs";
import { corruptError } from "./corrupt.js";
import { parseSegmentFileName } from "./file-names.js";
import { defaultFs, listDir } from "./journal-fs.js";
import { checkReplayOptions } from "./journal-options.js";
import type {
  JournalEnd,
  ReplayDamage,
  ReplayJournalOptions,
  ReplayReport,
} from "./replay-types.js";
import {
  DEFAULT_MAX_RECORD_BYTES,
  isZero,
  RECORD_HEADER_BYTES,
  recordAt,
  recordSeqAt,
  SEGMENT_HEADER_BYTES,
  type SegmentHeader,
  segmentView,
} from "./segment-format.js";
import { isTornHeader, readHeader } from "./segment-header-read.js";
import { type ScanProblem, scanSegmentOffsets } from "./segment-scan.js";
import { forkMessage, withoutSuperseded } from "./superseded.js";

export type {
  JournalEnd,
  RecoveryMode,
  ReplayDamage,
  ReplayJournalOptions,
  ReplayReport,
} from "./replay-types.js";

import { positiveIntegerOption, seqOption } from "./option-numbers.js";

/** Lists the segment files of journal `name` in `dir`, in chain order. */
export async function listSegments(fs: FsPort, dir: string, name: string): Promise<string[]> {
  const files = (await listDir(fs, dir)).filter(
    (file) => parseSegmentFileName(name, file) !== undefined,
  );
  return files.sort();
}

/**
 * Reads a whole segment. Only segments {@link readHeader} opened and found to be regular files get
 * here, so this plain `readFile` meets no FIFO or device (and stays the call a caller's `fs` can
 * serve from memory, as the store's read-ahead does).
 */
async function readSegment(fs: FsPort, path: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    throw fsFailure(error, "open", path, undefined, "read");
  }
}

function damageOf(file: string, problem: ScanProblem): ReplayDamage {
  return { file, offset: problem.offset, reason: problem.reason, message: problem.message };
}

function failure(damage: ReplayDamage, extra: Record<string, unknown> = {}): PersistenceError {
  return corruptError(`journal ${damage.file}: ${damage.message}`, damage.offset, damage.reason, {
    file: damage.file,
    ...extra,
  });
}

/**
 * Reads a journal's segment chain, checks it (headers, checksums, seq continuity within and
 * across segments, each segment's length against its successor's record of it) and passes every
 * record with seq > `afterSeq` to `onRecord`. Never writes. Damage is handled per `recovery`;
 * what is not tolerated throws `PersistenceError` `ERR_CORRUPT` with `details.file`,
 * `details.offset` and `details.reason` (`header`, `checksum`, `length`, `record`, `sequence`,
 * `chain`, `torn`, `zero`, `fork`).
 */
export async function replayJournal(options: ReplayJournalOptions): Promise<ReplayReport> {
  const caller = "replayJournal";
  checkReplayOptions(options, caller);
  const fs = options.fs ?? defaultFs;
  const mode = options.recovery ?? "tolerate-tail";
  const afterSeq =
    options.afterSeq === undefined ? 0 : seqOption(caller, "afterSeq", options.afterSeq, 0);
  const maxRecordBytes = positiveIntegerOption(
    caller,
    "maxRecordBytes",
    options.maxRecordBytes,
    DEFAULT_MAX_RECORD_BYTES,
  );
  const listed = await listSegments(fs, options.dir, options.name);
  const { files, headers, superseded, forks } = await withoutSuperseded(
    fs,
    options.dir,
    listed,
    await Promise.all(listed.map((f) => readHeader(fs, join(options.dir, f)))),
    maxRecordBytes,
  );
  const supersededFiles = superseded.map((s) => s.file);

  let replayed = 0;
  let skipped = 0;
  let dropped = 0;
  let tail: ReplayDamage | null = null;
  const damage: ReplayDamage[] = [];
  for (const fork of forks) {
    const d: ReplayDamage = {
      file: fork.file,
      offset: SEGMENT_HEADER_BYTES,
      reason: "fork",
      message: forkMessage(fork.predecessor, fork.recordedBytes, fork.seq),
    };
    if (mode !== "salvage") throw failure(d, { seq: fork.seq, predecessor: fork.predecessor });
    damage.push(d);
  }
  let lastSeq = 0;
  let end: JournalEnd = {
    files,
    index: -1,
    validBytes: 0,
    fileBytes: 0,
    paddingBytes: 0,
    unused: [],
    superseded: supersededFiles,
  };

  // The last segment may have a torn header: it was being created when the process died.
  let usable = files.length;
  const lastHeader = headers[files.length - 1];
  if (lastHeader !== undefined && isTornHeader(lastHeader)) {
    const d: ReplayDamage = {
      file: files[files.length - 1] as string,
      offset: Number(lastHeader.error.details?.offset ?? 0),
      reason: "header",
      message: lastHeader.error.message,
    };
    if (mode === "absolute") throw failure(d);
    tail = d;
    usable = files.length - 1;
    end = { ...end, unused: files.slice(usable) };
  }

  let stopped = false;
  for (let i = 0; i < usable && !stopped; i++) {
    const file = files[i] as string;
    const entry = headers[i] as { header?: SegmentHeader; error?: PersistenceError; size: number };
    const isLast = i === usable - 1;
    if (entry.header === undefined) {
      const d: ReplayDamage = {
        file,
        offset: 0,
        reason: "header",
        message: entry.error?.message ?? "bad header",
      };
      if (mode === "salvage") {
        damage.push(d);
        continue;
      }
      if (mode === "point-in-time") {
        damage.push(d);
        dropped += await countLater(
          fs,
          options.dir,
          files.slice(i + 1),
          headers,
          i + 1,
          maxRecordBytes,
        );
        end = { ...end, unused: files.slice(i) };
        break;
      }
      throw failure(d);
    }
    const header = entry.header;
    const expectedFirst = i === 0 || end.index < 0 ? undefined : lastSeq + 1;
    if (
      (expectedFirst !== undefined && header.firstSeq !== expectedFirst) ||
      (expectedFirst === undefined && header.firstSeq > afterSeq + 1)
    ) {
      const d: ReplayDamage = {
        file,
        offset: 16,
        reason: "sequence",
        message:
          expectedFirst === undefined
            ? `journal starts at seq ${header.firstSeq}, after the seq ${afterSeq + 1} needed`
            : `segment starts at seq ${header.firstSeq} where ${expectedFirst} was expected`,
      };
      if (mode !== "salvage") throw failure(d, { seq: header.firstSeq });
      damage.push(d);
    }
    const successor = headers[i + 1]?.header;
    const limit = isLast || successor === undefined ? entry.size : successor.prevValidBytes;
    if (!isLast && successor !== undefined && entry.size < limit) {
      const d: ReplayDamage = {
        file,
        offset: entry.size,
        reason: "chain",
        message: `segment holds ${entry.size} bytes, its successor recorded ${limit}`,
      };
      if (mode === "tolerate-tail" || mode === "absolute") throw failure(d);
      damage.push(d);
    }
    // A segment all of whose records a successor already follows and that lie at or below
    // afterSeq need not be read: the successor's header vouches for where it ends.
    if (!isLast && successor !== undefined && successor.firstSeq <= afterSeq + 1) {
      const count = successor.firstSeq - header.firstSeq;
      skipped += Math.max(0, count);
      lastSeq = successor.firstSeq - 1;
      end = {
        files,
        index: i,
        header,
        validBytes: limit,
        fileBytes: entry.size,
        paddingBytes: 0,
        unused: [],
        superseded: supersededFiles,
      };
      continue;
    }
    const bytes = await readSegment(fs, join(options.dir, file));
    const skip = mode === "salvage";
    const scan = scanSegmentOffsets(bytes, header, limit, maxRecordBytes, skip, undefined, isLast);
    const view = segmentView(bytes);
    const onRecord = options.onRecord;
    for (const offset of scan.offsets) {
      if (recordSeqAt(view, offset) <= afterSeq) {
        skipped++;
        continue;
      }
      replayed++;
      if (onRecord === undefined) continue;
      // Only a promise is waited for: a callback that returns nothing costs no promise turn.
      const pending = onRecord(recordAt(bytes, view, offset));
      if (pending !== undefined) await pending;
    }
    const lastOffset = scan.offsets[scan.offsets.length - 1];
    const lastRecord = lastOffset === undefined ? undefined : recordAt(bytes, view, lastOffset);
    lastSeq = mode === "salvage" && lastRecord !== undefined ? lastRecord.seq : scan.lastSeq;
    const validBytes =
      mode === "salvage" && lastRecord !== undefined
        ? lastRecord.offset + RECORD_HEADER_BYTES + lastRecord.payload.byteLength
        : scan.validBytes;
    const padded = isLast && isZero(bytes, validBytes, bytes.byteLength);
    end = {
      files,
      index: i,
      header,
      validBytes,
      fileBytes: bytes.byteLength,
      paddingBytes: padded ? bytes.byteLength - validBytes : 0,
      unused: files.slice(usable),
      superseded: supersededFiles,
    };
    for (const s of scan.skipped) damage.push(damageOf(file, s));
    const problem = scan.problem;
    // Zeros after the last record of the last segment are its preallocated space: a clean end.
    if (problem === undefined || mode === "salvage" || padded) continue;
    const d = damageOf(file, problem);
    const isTail = isLast && problem.reason === "torn";
    if (isTail && mode !== "absolute") {
      tail = d;
      continue;
    }
    if (mode === "point-in-time") {
      damage.push(d);
      const rest = scanSegmentOffsets(bytes, header, limit, maxRecordBytes, true);
      dropped += rest.offsets.length - scan.offsets.length;
      dropped += await countLater(
        fs,
        options.dir,
        files.slice(i + 1, usable),
        headers,
        i + 1,
        maxRecordBytes,
      );
      end = { ...end, unused: files.slice(i + 1) };
      stopped = true;
      continue;
    }
    throw failure(d, { seq: scan.lastSeq + 1 });
  }
  return {
    lastSeq,
    replayed,
    skipped,
    segments: usable,
    tail,
    dropped,
    damage,
    superseded,
    end,
  };
}

async function countLater(
  fs: FsPort,
  dir: string,
  files: readonly string[],
  headers: readonly { header?: SegmentHeader }[],
  firstIndex: number,
  maxRecordBytes: number,
): Promise<number> {
  let count = 0;
  for (let k = 0; k < files.length; k++) {
    const header = headers[firstIndex + k]?.header;
    if (header === undefined) continue;
    const bytes = await readSegment(fs, join(dir, files[k] as string));
    count += scanSegmentOffsets(bytes, header, bytes.byteLength, maxRecordBytes, true).offsets
      .length;
  }
  return count;
}
