import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { toPersistenceError } from "@snapwrite/core";
import { parseSegmentFileName } from "./file-names.js";
import { defaultFs, isNotFound } from "./journal-fs.js";
import { listSegments } from "./replay-journal.js";
import {
  DEFAULT_MAX_RECORD_BYTES,
  decodeSegmentHeader,
  type JournalRecord,
  readRecordAt,
  SEGMENT_HEADER_BYTES,
  type SegmentHeader,
} from "./segment-format.js";

/** Options of {@link createJournalFollower}. */
export interface JournalFollowerOptions {
  readonly dir: string;
  readonly name: string;
  readonly fs?: FsPort | undefined;
  /** The follower's state covers every seq up to this one (a snapshot's seq, or 0). */
  readonly afterSeq: number;
  readonly maxRecordBytes?: number | undefined;
}

/** What one {@link JournalFollower.poll} found. */
export interface FollowResult {
  /** Records applied by this poll, in seq order (seq > the previous `seq`). */
  readonly records: readonly JournalRecord[];
  /** The seq the follower's state now covers. */
  readonly seq: number;
  /**
   * Set when following cannot go on: `"gap"` — the records after `seq` are no longer in the
   * journal (a compaction removed them: load the newest snapshot and follow from its seq);
   * `"rewound"` — records this follower already returned were later sealed off by the writer
   * (their append failed): reload from a snapshot and the journal.
   */
  readonly reset?: "gap" | "rewound" | undefined;
}

/** Tails a journal another process writes. Read-only. */
export interface JournalFollower {
  /** Reads the records appended since the last poll. Never returns a partly written record. */
  poll(): Promise<FollowResult>;
  /** The seq the follower's state covers. */
  readonly seq: number;
}

interface Position {
  file: string;
  header: SegmentHeader;
  offset: number;
}

/**
 * Creates a follower of `<dir>/<name>.wal.*` that returns new records on each `poll()` — what a
 * reader process needs to keep an in-memory copy fresh (call `poll` from a refresh timer). It
 * never writes; an incomplete record at the end is left for the next poll.
 */
export function createJournalFollower(options: JournalFollowerOptions): JournalFollower {
  const fs = options.fs ?? defaultFs;
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let seq = options.afterSeq;
  let at: Position | undefined;

  async function read(file: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(join(options.dir, file));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toPersistenceError(error, { stage: "open", target: file, direction: "read" });
    }
  }

  function header(bytes: Uint8Array | undefined): SegmentHeader | undefined {
    if (bytes === undefined) return undefined;
    try {
      return decodeSegmentHeader(bytes);
    } catch {
      return undefined;
    }
  }

  /** Finds the segment holding seq + 1: the last one whose first seq is ≤ seq + 1. */
  async function locate(files: readonly string[]): Promise<Position | "gap" | undefined> {
    let found: string | undefined;
    for (const file of files) {
      const parsed = parseSegmentFileName(options.name, file);
      if (parsed !== undefined && parsed.firstSeq <= seq + 1) found = file;
    }
    if (found === undefined) return files.length === 0 ? undefined : "gap";
    const h = header(await read(found));
    if (h === undefined) return undefined;
    return { file: found, header: h, offset: SEGMENT_HEADER_BYTES };
  }

  async function poll(): Promise<FollowResult> {
    const records: JournalRecord[] = [];
    const files = await listSegments(fs, options.dir, options.name);
    if (at === undefined || !files.includes(at.file)) {
      const located = await locate(files);
      if (located === "gap") return { records, seq, reset: "gap" };
      if (located === undefined) return { records, seq };
      at = located;
    }
    for (let hops = 0; hops <= files.length; hops++) {
      const position = at as Position;
      const bytes = await read(position.file);
      if (bytes === undefined) return { records, seq, reset: "gap" };
      const index = files.indexOf(position.file);
      const next = files[index + 1];
      const nextHeader = next === undefined ? undefined : header(await read(next));
      const limit = nextHeader === undefined ? bytes.byteLength : nextHeader.prevValidBytes;
      if (position.offset > limit) return { records, seq, reset: "rewound" };
      let offset = position.offset;
      while (offset < limit) {
        const r = readRecordAt(bytes, offset, limit, position.header.salt, maxRecordBytes);
        if (!r.ok) break;
        if (r.record.seq <= seq) {
          offset = r.end;
          continue;
        }
        if (r.record.seq !== seq + 1) return { records, seq, reset: "gap" };
        records.push(r.record);
        seq = r.record.seq;
        offset = r.end;
      }
      position.offset = offset;
      if (nextHeader === undefined || next === undefined || offset < limit) break;
      at = { file: next, header: nextHeader, offset: SEGMENT_HEADER_BYTES };
    }
    return { records, seq };
  }

  return {
    poll,
    get seq() {
      return seq;
    },
  };
}
