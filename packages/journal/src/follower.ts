import { join } from "node:path";
import { PersistenceError } from "@snapwrite/core";
import { fsFailure, readRegularFile } from "@snapwrite/sink-fs";
import { type CorruptReason, corruptError } from "./corrupt.js";
import { danglingLinkOr } from "./dangling-link.js";
import { parseSegmentFileName } from "./file-names.js";
import { defaultFs, isNotFound } from "./journal-fs.js";
import { checkFollowerOptions } from "./journal-options.js";
import type { JournalFollowerOptions } from "./journal-types.js";
import { listSegments } from "./replay-journal.js";
import {
  DEFAULT_MAX_RECORD_BYTES,
  decodeSegmentHeader,
  isTornHeaderError,
  isZero,
  type JournalRecord,
  SEGMENT_HEADER_BYTES,
  type SegmentHeader,
} from "./segment-format.js";
import { scanSegment } from "./segment-scan.js";
import {
  forkError,
  linkBetween,
  recordHeaderWithSeq,
  type SegmentBytes,
  vouchesFor,
} from "./superseded.js";

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
  /**
   * Reads the records appended since the last poll. Never returns a partly written record.
   * Rejects with `ERR_CORRUPT` when the next record it needs is damaged (see the README).
   */
  poll(): Promise<FollowResult>;
  /** The seq the follower's state covers. */
  readonly seq: number;
}

interface Position {
  file: string;
  header: SegmentHeader;
  /** A record boundary of `file`, and the seq of the record expected there. */
  offset: number;
  expect: number;
}

/** What reading one segment from the position gave. */
type Hop =
  | {
      readonly kind: "records";
      readonly records: JournalRecord[];
      readonly next: Position;
      /** Damage after `records`: `next` is where it starts. */
      readonly error?: PersistenceError | undefined;
    }
  | { readonly kind: "reset"; readonly reset: "gap" | "rewound" }
  | { readonly kind: "damage"; readonly error: PersistenceError };

/**
 * Creates a follower of `<dir>/<name>.wal.*` that returns new records on each `poll()` — what a
 * reader process needs to keep an in-memory copy fresh (call `poll` from a refresh timer). It
 * never writes; an incomplete record at the end of the last segment is left for the next poll.
 * It reads with replay's checked scan: damage is `ERR_CORRUPT` with the file, offset and reason.
 */
export function createJournalFollower(options: JournalFollowerOptions): JournalFollower {
  checkFollowerOptions(options);
  const fs = options.fs ?? defaultFs;
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let seq = options.afterSeq;
  let at: Position | undefined;

  /**
   * A segment's bytes; never waits on a FIFO nor reads a device (`ERR_INVALID_TARGET`). A loop of
   * links or a link through a file at its name is the permanent `ERR_INVALID_TARGET` too.
   */
  async function read(file: string): Promise<Uint8Array | undefined> {
    const path = join(options.dir, file);
    try {
      return await readRegularFile(fs, path, { target: file, stage: "open" });
    } catch (error) {
      const refined = await danglingLinkOr(fs, path, error);
      if (refined === error && isNotFound(error)) return undefined;
      throw fsFailure(refined, "open", file, undefined, "read");
    }
  }

  /**
   * A segment's header; `undefined` while the last segment is being created (its header cut
   * short, zero-filled or with nothing after it). Any other bad header is damage.
   */
  async function segmentOf(
    file: string,
    files: readonly string[],
  ): Promise<SegmentBytes | PersistenceError | undefined> {
    const bytes = await read(file);
    if (bytes === undefined) return undefined;
    try {
      return { header: decodeSegmentHeader(bytes), bytes };
    } catch (error) {
      const last = files[files.length - 1] === file;
      const dataAfter = !isZero(bytes, SEGMENT_HEADER_BYTES, bytes.byteLength);
      if (last && isTornHeaderError(error, bytes.byteLength, dataAfter)) return undefined;
      const { message, details } = error as PersistenceError;
      return corruptError(`journal ${file}: ${message}`, Number(details?.offset ?? 0), "header", {
        file,
      });
    }
  }

  /**
   * Finds the segment holding seq + 1: the last one whose first seq is ≤ seq + 1 and that is not
   * superseded by its predecessor (see `replayJournal`'s `superseded`).
   */
  async function locate(files: readonly string[]): Promise<Position | Hop | undefined> {
    let index = -1;
    files.forEach((file, i) => {
      const parsed = parseSegmentFileName(options.name, file);
      if (parsed !== undefined && parsed.firstSeq <= seq + 1) index = i;
    });
    if (index < 0) return files.length === 0 ? undefined : { kind: "reset", reset: "gap" };
    let found = await segmentOf(files[index] as string, files);
    for (; index > 0 && found !== undefined && "header" in found; index--) {
      const prev = await segmentOf(files[index - 1] as string, files);
      if (prev === undefined || !("header" in prev)) break;
      if (linkBetween(prev, found, maxRecordBytes).kind !== "superseded") break;
      found = prev;
    }
    if (found === undefined) return undefined;
    if (!("header" in found)) return { kind: "damage", error: found };
    const h = found.header;
    return {
      file: files[index] as string,
      header: h,
      offset: SEGMENT_HEADER_BYTES,
      expect: h.firstSeq,
    };
  }

  /**
   * The segment after `file` that carries on from it, skipping superseded ones; `undefined` when
   * there is none yet (or the next one is still being created), damage as an error.
   */
  async function successorOf(
    file: string,
    bytes: Uint8Array,
    header: SegmentHeader,
    files: readonly string[],
  ): Promise<{ file: string; header: SegmentHeader } | PersistenceError | undefined> {
    for (let i = files.indexOf(file) + 1; i < files.length; i++) {
      const next = files[i] as string;
      const segment = await segmentOf(next, files);
      if (segment === undefined || !("header" in segment)) return segment;
      if (await isLeftOut(segment, files[i + 1], files)) continue;
      const link = linkBetween({ header, bytes }, segment, maxRecordBytes);
      if (link.kind === "superseded") continue;
      if (link.kind === "forked") return forkError(next, file, segment.header, link.seq);
      return { file: next, header: segment.header };
    }
    return undefined;
  }

  /**
   * The position in `bytes`, the file's contents now. A segment removed and created again under the
   * same name (a roll that failed and was tried again) has another header: where nothing was read
   * from it yet, the follower reads the new one from its start; else the records it returned from
   * the old one are gone (`undefined`: reload).
   */
  function sameFile(position: Position, bytes: Uint8Array): Position | undefined {
    let header: SegmentHeader;
    try {
      header = decodeSegmentHeader(bytes);
    } catch {
      return position; // a header still being written: the scan waits as before
    }
    const old = position.header;
    if (header.salt === old.salt && header.firstSeq === old.firstSeq) return position;
    if (position.offset !== SEGMENT_HEADER_BYTES) return undefined;
    return { ...position, header, expect: header.firstSeq };
  }

  /**
   * Whether `segment` is a flagged empty one that the file after it does not follow (see
   * `vouchesFor`): replay leaves it out of the chain, and so does the follower.
   */
  async function isLeftOut(
    segment: SegmentBytes,
    after: string | undefined,
    files: readonly string[],
  ): Promise<boolean> {
    const { header, bytes } = segment;
    if (after === undefined || header.prevComplete !== true) return false;
    if (!isZero(bytes, SEGMENT_HEADER_BYTES, bytes.byteLength)) return false;
    const next = await segmentOf(after, files);
    if (next === undefined || !("header" in next) || vouchesFor(next.header, header)) return false;
    // As replay decides: a next segment superseded by this one does not make this one an orphan.
    return linkBetween(segment, next, maxRecordBytes).kind !== "superseded";
  }

  /** Reads the segment at `position` up to where its successor says it ends (or its end). */
  async function hop(given: Position, files: readonly string[]): Promise<Hop> {
    const bytes = await read(given.file);
    if (bytes === undefined) return { kind: "reset", reset: "gap" };
    const position = sameFile(given, bytes);
    if (position === undefined) return { kind: "reset", reset: "rewound" };
    const successor = await successorOf(position.file, bytes, position.header, files);
    if (successor !== undefined && !("header" in successor)) {
      return { kind: "damage", error: successor };
    }
    const next = successor?.file;
    const nextHeader = successor?.header;
    if (nextHeader !== undefined && next !== undefined && isOrphan(position, bytes, nextHeader)) {
      // The seqs it was to hold are in the next segment (the other writer's roll at the same
      // seq), or gone from the journal (the other writer compacted them into a snapshot).
      if (nextHeader.firstSeq > position.header.firstSeq) return { kind: "reset", reset: "gap" };
      const after = {
        file: next,
        header: nextHeader,
        offset: SEGMENT_HEADER_BYTES,
        expect: nextHeader.firstSeq,
      };
      return { kind: "records", records: [], next: after };
    }
    const limit = nextHeader === undefined ? bytes.byteLength : nextHeader.prevValidBytes;
    if (position.offset > limit) return { kind: "reset", reset: "rewound" };
    const from = { offset: position.offset, seq: position.expect };
    const last = nextHeader === undefined;
    const scan = scanSegment(bytes, position.header, limit, maxRecordBytes, false, from, last);
    const moved: Position = { ...position, offset: scan.validBytes, expect: scan.lastSeq + 1 };
    const fail = (offset: number, reason: CorruptReason, message: string) =>
      corruptError(`journal ${position.file}: ${message}`, offset, reason, {
        file: position.file,
        seq: moved.expect,
      });
    const problem = scan.problem;
    const cut = problem === undefined || problem.reason === "torn" || problem.reason === "zero";
    if (limit > bytes.byteLength && cut) {
      // The successor vouches for bytes this segment no longer holds.
      const message = `segment holds ${bytes.byteLength} bytes, its successor recorded ${limit}`;
      const error = fail(bytes.byteLength, "chain", message);
      return { kind: "records", records: scan.records, next: moved, error };
    }
    if (problem !== undefined) {
      // Only the end of the last segment may be an append still being written.
      const error =
        nextHeader === undefined && cut
          ? undefined
          : fail(problem.offset, problem.reason, problem.message);
      return { kind: "records", records: scan.records, next: moved, error };
    }
    if (nextHeader === undefined || next === undefined) {
      return { kind: "records", records: scan.records, next: moved };
    }
    if (nextHeader.firstSeq !== moved.expect) {
      const message = `next segment starts at seq ${nextHeader.firstSeq} where ${moved.expect} was expected`;
      return {
        kind: "records",
        records: scan.records,
        next: moved,
        error: fail(limit, "sequence", message),
      };
    }
    const after: Position = {
      file: next,
      header: nextHeader,
      offset: SEGMENT_HEADER_BYTES,
      expect: nextHeader.firstSeq,
    };
    return { kind: "records", records: scan.records, next: after };
  }

  /**
   * Reads onwards from the position across rolls. Damage is read a second time before it is
   * believed (a read racing the writer's `writev` can see a later page before an earlier one).
   */
  async function advance(files: readonly string[]): Promise<FollowResult> {
    const records: JournalRecord[] = [];
    for (let hops = 0; hops <= files.length; hops++) {
      const position = at as Position;
      let result = await hop(position, files);
      if (isDamaged(result)) result = await hop(position, files);
      if (result.kind === "reset") return { records, seq, reset: result.reset };
      if (result.kind === "damage") return endAtDamage(records, result.error);
      for (const record of result.records) {
        if (record.seq <= seq) continue;
        if (record.seq !== seq + 1) return { records, seq, reset: "gap" };
        records.push(record);
        seq = record.seq;
      }
      at = result.next;
      if (result.error !== undefined) return endAtDamage(records, result.error);
      if (result.next.file === position.file) break;
    }
    return { records, seq };
  }

  /** The records read before damage are returned; a poll that reached none rejects. */
  function endAtDamage(records: JournalRecord[], error: PersistenceError): FollowResult {
    if (records.length > 0) return { records, seq };
    throw error;
  }

  async function poll(): Promise<FollowResult> {
    const files = await listSegments(fs, options.dir, options.name);
    if (at === undefined || !files.includes(at.file)) {
      const located = await locate(files);
      if (located === undefined) return { records: [], seq };
      if ("kind" in located) {
        if (located.kind === "damage") throw located.error;
        if (located.kind === "reset") return { records: [], seq, reset: located.reset };
      } else {
        at = located;
      }
    }
    await leaveSuperseded(files);
    const result = await advance(files);
    if (result.reset === undefined && seq === options.afterSeq) checkReachesStart(at);
    return result;
  }

  /**
   * Before its first record, the journal must reach `afterSeq`, as a writer's open checks against
   * its snapshot: a journal that ends before it (a snapshot newer than every record) is `ERR_GAP`.
   */
  function checkReachesStart(position: Position | undefined): void {
    const end = position === undefined ? undefined : position.expect - 1;
    if (end === undefined || end >= options.afterSeq) return;
    throw new PersistenceError(
      "ERR_GAP",
      `the journal ends at seq ${end}, before seq ${options.afterSeq} the follower starts after`,
      { stage: "open", details: { seq: end, afterSeq: options.afterSeq } },
    );
  }

  /**
   * A follower that moved into an empty segment before the other writer's appends showed up in
   * its predecessor (see `replayJournal`'s `superseded`) moves back to where they start. Waiting
   * at a segment's start costs a 20-byte read of the predecessor per poll.
   */
  async function leaveSuperseded(files: readonly string[]): Promise<void> {
    const position = at as Position;
    const { header } = position;
    if (position.offset !== SEGMENT_HEADER_BYTES || header.prevComplete !== true) return;
    const prevFile = files[files.indexOf(position.file) - 1];
    if (prevFile === undefined) return;
    const path = join(options.dir, prevFile);
    if (!(await recordHeaderWithSeq(fs, path, header.prevValidBytes, header.firstSeq))) return;
    const prev = await segmentOf(prevFile, files);
    const own = await read(position.file);
    if (prev === undefined || !("header" in prev) || own === undefined) return;
    if (linkBetween(prev, { header, bytes: own }, maxRecordBytes).kind !== "superseded") return;
    at = {
      file: prevFile,
      header: prev.header,
      offset: header.prevValidBytes,
      expect: header.firstSeq,
    };
  }

  return {
    poll,
    get seq() {
      return seq;
    },
  };
}

function isDamaged(hop: Hop): boolean {
  return hop.kind === "damage" || (hop.kind === "records" && hop.error !== undefined);
}

/**
 * An empty rolled segment the next one does not follow (see `vouchesFor`): a superseded roll the
 * other writer's roll at the same seq came after, or whose predecessor the other writer has
 * compacted away (see `replayJournal`'s `superseded`).
 */
function isOrphan(position: Position, bytes: Uint8Array, next: SegmentHeader): boolean {
  const { header } = position;
  return (
    header.prevComplete === true &&
    !vouchesFor(next, header) &&
    position.offset === SEGMENT_HEADER_BYTES &&
    isZero(bytes, SEGMENT_HEADER_BYTES, bytes.byteLength)
  );
}
