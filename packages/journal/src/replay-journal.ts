import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { type PersistenceError, toPersistenceError } from "@snapwrite/core";
import { type CorruptReason, corruptError } from "./corrupt.js";
import { parseSegmentFileName } from "./file-names.js";
import { defaultFs, listDir } from "./journal-fs.js";
import { checkReplayOptions } from "./journal-options.js";
import {
  DEFAULT_MAX_RECORD_BYTES,
  isZero,
  type JournalRecord,
  RECORD_HEADER_BYTES,
  recordAt,
  recordSeqAt,
  type SegmentHeader,
  segmentView,
} from "./segment-format.js";
import { isTornHeader, readHeader } from "./segment-header-read.js";
import { type ScanProblem, scanSegmentOffsets } from "./segment-scan.js";

/**
 * What replay does with damage (the names of RocksDB's WAL recovery modes):
 * - `tolerate-tail` (default): a torn end of the last segment is the tail of an interrupted
 *   append and is ignored (the writer repairs it before its first append); any other damage is
 *   `ERR_CORRUPT` with its offset.
 * - `point-in-time`: replay stops at the first damage of any kind and reports how many valid
 *   records after it were dropped.
 * - `absolute`: any irregularity, a torn tail included, is `ERR_CORRUPT`.
 * - `salvage`: damaged records are skipped and reported; for recovery tools only.
 *
 * In every mode, zeros from the last record to the end of the last segment are no damage: that is
 * the space the writer preallocates (see `preallocateBytes`), or zeros a power loss left, and the
 * writer goes on appending over them.
 */
export type RecoveryMode = "tolerate-tail" | "point-in-time" | "absolute" | "salvage";

/** Options of {@link replayJournal}. */
export interface ReplayJournalOptions {
  /** Directory holding the journal. */
  readonly dir: string;
  /** Journal name: segments are `<name>.wal.<firstSeq>-<roll>`. */
  readonly name: string;
  /** File system. Default `node:fs/promises`. */
  readonly fs?: FsPort | undefined;
  /** Records with a seq at or below this one are skipped (the seq a snapshot covers). Default 0. */
  readonly afterSeq?: number | undefined;
  /** Damage policy. Default `"tolerate-tail"`. */
  readonly recovery?: RecoveryMode | undefined;
  /** Records longer than this are damage, never allocated for. Default 16 MiB. */
  readonly maxRecordBytes?: number | undefined;
  /**
   * Called for every record with seq > `afterSeq`, in seq order. May be async: a promise it returns
   * is waited for before the next record.
   */
  readonly onRecord?: ((record: JournalRecord) => void | Promise<void>) | undefined;
}

/** Damage met during replay and how it was handled. */
export interface ReplayDamage {
  /** Segment file name. */
  readonly file: string;
  readonly offset: number;
  readonly reason: CorruptReason;
  readonly message: string;
}

/** Where the valid journal ends: what a writer needs to continue it. */
export interface JournalEnd {
  /** Segment files in chain order. */
  readonly files: readonly string[];
  /** Index in `files` of the segment the valid data ends in (`-1`: no usable segment). */
  readonly index: number;
  /** Header of that segment. */
  readonly header?: SegmentHeader | undefined;
  /** Valid bytes of that segment. */
  readonly validBytes: number;
  /** Bytes of that segment's file. */
  readonly fileBytes: number;
  /**
   * Zero bytes from `validBytes` to the end of the last segment: space the writer preallocated (or
   * zeros a power loss left), a clean end rather than a tail. 0 for any other segment.
   */
  readonly paddingBytes: number;
  /** Segments after `index` that replay did not use (a torn header, or dropped by `point-in-time`). */
  readonly unused: readonly string[];
}

/** What {@link replayJournal} found. */
export interface ReplayReport {
  /** Seq of the last valid record (or `firstSeq - 1` of the chain; 0 for an empty journal). */
  readonly lastSeq: number;
  /** Records passed to `onRecord`. */
  readonly replayed: number;
  /** Valid records skipped because their seq was at or below `afterSeq`. */
  readonly skipped: number;
  /** Segments read. */
  readonly segments: number;
  /** The torn tail that was ignored, if any (zeros after the last record are no tail). */
  readonly tail: ReplayDamage | null;
  /** `point-in-time`: valid records after the stop point that were not replayed. */
  readonly dropped: number;
  /** `salvage`/`point-in-time`: the damage skipped or stopped at. */
  readonly damage: readonly ReplayDamage[];
  /** Where the journal ends. */
  readonly end: JournalEnd;
}

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
    throw toPersistenceError(error, { stage: "open", target: path, direction: "read" });
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
 * `chain`, `torn`, `zero`).
 */
export async function replayJournal(options: ReplayJournalOptions): Promise<ReplayReport> {
  checkReplayOptions(options, "replayJournal");
  const fs = options.fs ?? defaultFs;
  const mode = options.recovery ?? "tolerate-tail";
  const afterSeq = options.afterSeq ?? 0;
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const files = await listSegments(fs, options.dir, options.name);
  const headers = await Promise.all(files.map((f) => readHeader(fs, join(options.dir, f))));

  let replayed = 0;
  let skipped = 0;
  let dropped = 0;
  let tail: ReplayDamage | null = null;
  const damage: ReplayDamage[] = [];
  let lastSeq = 0;
  let end: JournalEnd = {
    files,
    index: -1,
    validBytes: 0,
    fileBytes: 0,
    paddingBytes: 0,
    unused: [],
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
