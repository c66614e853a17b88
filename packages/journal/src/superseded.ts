import { join } from "node:path";
import type { FsFileHandle, FsPort, PersistenceError } from "@snapwrite/core";
import { openRegularFile } from "@snapwrite/sink-fs";
import { corruptError } from "./corrupt.js";
import { readInto } from "./journal-fs.js";
import {
  isZero,
  type JournalRecord,
  RECORD_HEADER_BYTES,
  RECORD_TYPE_DATA,
  RECORD_TYPE_MARK,
  recordAt,
  SEGMENT_HEADER_BYTES,
  type SegmentHeader,
  segmentView,
} from "./segment-format.js";
import { type HeaderEntry, hasDataAfter } from "./segment-header-read.js";
import { scanSegmentOffsets } from "./segment-scan.js";

/** A segment replay left out of the chain because a roll made it after the journal moved on. */
export interface SupersededSegment {
  /** The segment file left out. */
  readonly file: string;
  /**
   * Its predecessor, whose records go on past the length the segment recorded for it; `null` when
   * that predecessor is gone (a compaction of the other writer removed it) and the next segment
   * starts at a later seq than this empty one, which no single writer's roll leaves.
   */
  readonly predecessor: string | null;
  /** The predecessor length the segment's header recorded (`prevValidBytes`). */
  readonly recordedBytes: number;
}

/**
 * A segment that holds records of its own while its predecessor goes on past the length the
 * segment recorded for it with different records at the same seqs: two writers appended at once.
 */
export interface ForkedSegment extends SupersededSegment {
  readonly predecessor: string;
  /** The first seq at which the two differ. */
  readonly seq: number;
}

/** The segment chain without its superseded segments, and the forks found in it. */
export interface ChainWithoutSuperseded {
  readonly files: string[];
  readonly headers: HeaderEntry[];
  readonly superseded: SupersededSegment[];
  readonly forks: ForkedSegment[];
}

/**
 * Finds segments that a roll started after another writer had taken the journal over: a holder
 * frozen past its lock's `staleMs` that resumes inside a roll it had already checked its lock for.
 * Such a segment holds no record, while its predecessor goes on past the length the segment
 * recorded for it (`prevValidBytes`) with whole groups of records whose seqs start at the
 * segment's first seq — the other writer's acknowledged appends. Cutting the predecessor at the
 * recorded length would drop them without a word; leaving the empty segment out keeps them.
 *
 * A segment that holds records of its own there is a fork when they differ from the predecessor's
 * at the same seqs (the frozen writer got a group through before it noticed): which side holds the
 * acknowledged records cannot be told from the files, so replay refuses the journal rather than
 * pick one (see `replayJournal`).
 *
 * Only segments whose header says their writer knew the predecessor ends there are checked
 * (`prevComplete`: a roll, or an open that cut a torn tail, whose torn record never validates). A
 * seal does cut off valid records, those whose sync failed, and starts over at their seqs; its
 * segments do not carry the flag, nor do segments of writers older than it.
 */
export async function withoutSuperseded(
  fs: FsPort,
  dir: string,
  files: readonly string[],
  headers: readonly HeaderEntry[],
  maxRecordBytes: number,
): Promise<ChainWithoutSuperseded> {
  const kept: string[] = [];
  const keptHeaders: HeaderEntry[] = [];
  const superseded: SupersededSegment[] = [];
  const forks: ForkedSegment[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as string;
    const entry = headers[i] as HeaderEntry;
    const prevFile = kept[kept.length - 1];
    const prev = keptHeaders[keptHeaders.length - 1];
    if (prevFile !== undefined && prev?.header !== undefined && entry.header !== undefined) {
      const link = await linkOf(
        fs,
        dir,
        { file: prevFile, entry: prev, header: prev.header },
        file,
        {
          header: entry.header,
          maxRecordBytes,
        },
      );
      const found = { file, predecessor: prevFile, recordedBytes: entry.header.prevValidBytes };
      if (link.kind === "superseded") {
        superseded.push(found);
        continue;
      }
      if (link.kind === "forked") forks.push({ ...found, seq: link.seq });
    }
    kept.push(file);
    keptHeaders.push(entry);
  }
  const chain = await withoutOrphans(fs, dir, kept, keptHeaders);
  return { ...chain, superseded: [...superseded, ...chain.superseded], forks };
}

/**
 * Whether `next` can follow the empty segment `empty`: a roll or a seal of an empty segment starts
 * its successor at the same seq and records the header's length for it.
 */
export function vouchesFor(next: SegmentHeader, empty: SegmentHeader): boolean {
  return next.firstSeq === empty.firstSeq && next.prevValidBytes === SEGMENT_HEADER_BYTES;
}

/**
 * Leaves out flagged empty segments the next segment does not follow (see {@link vouchesFor}): a
 * superseded roll whose predecessor is gone (the other writer compacted its journal since, so the
 * next segment starts at a later seq), or one the other writer's own roll from the same
 * predecessor came after (the next roll number at the same seq, recording that predecessor).
 */
async function withoutOrphans(
  fs: FsPort,
  dir: string,
  files: readonly string[],
  headers: readonly HeaderEntry[],
): Promise<{ files: string[]; headers: HeaderEntry[]; superseded: SupersededSegment[] }> {
  const kept: string[] = [];
  const keptHeaders: HeaderEntry[] = [];
  const superseded: SupersededSegment[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as string;
    const entry = headers[i] as HeaderEntry;
    const header = entry.header;
    const next = headers[i + 1]?.header;
    if (
      header?.prevComplete === true &&
      next !== undefined &&
      !vouchesFor(next, header) &&
      (await holdsNothing(fs, join(dir, file), entry.size))
    ) {
      superseded.push({ file, predecessor: null, recordedBytes: header.prevValidBytes });
      continue;
    }
    kept.push(file);
    keptHeaders.push(entry);
  }
  return { files: kept, headers: keptHeaders, superseded };
}

/** Whether a segment holds only zeros after its header (false when it cannot be read). */
async function holdsNothing(fs: FsPort, path: string, size: number): Promise<boolean> {
  if (size <= SEGMENT_HEADER_BYTES) return true;
  let handle: FsFileHandle | undefined;
  try {
    ({ handle } = await openRegularFile(fs, path, { target: path, stage: "open" }));
    return !(await hasDataAfter(handle));
  } catch {
    return false; // replay opens it again and reports what is wrong
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

interface Segment {
  readonly file: string;
  readonly entry: HeaderEntry;
  readonly header: SegmentHeader;
}

/** Why replay and a follower refuse a fork (see {@link ForkedSegment}). */
export function forkMessage(predecessor: string, recordedBytes: number, seq: number): string {
  return `${predecessor} goes on past the ${recordedBytes} bytes this segment recorded for it, with other records from seq ${seq} on: two writers appended at once (a lock holder frozen past its staleMs) and the files do not tell which side was acknowledged; recovery "salvage" reads this segment's side, moving this segment aside keeps the predecessor's`;
}

/** The `ERR_CORRUPT` (`reason: "fork"`) of a follower that meets a fork. */
export function forkError(
  file: string,
  predecessor: string,
  header: SegmentHeader,
  seq: number,
): PersistenceError {
  const message = forkMessage(predecessor, header.prevValidBytes, seq);
  return corruptError(`journal ${file}: ${message}`, SEGMENT_HEADER_BYTES, "fork", {
    file,
    predecessor,
    seq,
  });
}

/** How a segment relates to its predecessor: see {@link withoutSuperseded}. */
export type Link =
  | { readonly kind: "chained" }
  | { readonly kind: "superseded" }
  | { readonly kind: "forked"; readonly seq: number };

const CHAINED: Link = { kind: "chained" };
const SUPERSEDED: Link = { kind: "superseded" };

/** A segment's header and all its bytes. */
export interface SegmentBytes {
  readonly header: SegmentHeader;
  readonly bytes: Uint8Array;
}

/**
 * How segment `next` relates to its predecessor `prev`, from both files' bytes (what a follower
 * holds already): `superseded`, `forked` at a seq, or `chained` (the segment vouches for where its
 * predecessor ends, as it always did).
 */
export function linkBetween(prev: SegmentBytes, next: SegmentBytes, maxRecordBytes: number): Link {
  const { header } = next;
  // A seal cuts off records on purpose, and writers before the flag did not say.
  if (header.prevComplete !== true) return CHAINED;
  // The predecessor's whole groups past what the segment recorded for it (checked as the end of a
  // last segment is: a group torn by a power loss counts as absent). A segment at the
  // predecessor's own first seq that records more than its header was rolled from another file.
  const collision = isCollision(prev.header, header);
  // An empty segment that collides was rolled from another file: whatever its predecessor holds,
  // it vouches for nothing here.
  if (collision && holdsNoBytes(next)) return SUPERSEDED;
  const beyond = collision
    ? recordsFrom(prev, SEGMENT_HEADER_BYTES, prev.header.firstSeq, maxRecordBytes)
    : recordsFrom(prev, header.prevValidBytes, header.firstSeq, maxRecordBytes);
  if (beyond.length === 0) return CHAINED;
  const mine = recordsFrom(next, SEGMENT_HEADER_BYTES, header.firstSeq, maxRecordBytes);
  // Bytes there that do not validate (a torn first append) are not taken for "no record".
  if (mine.length === 0) return holdsNoBytes(next) ? SUPERSEDED : CHAINED;
  // Both go on from the same seq: different records mean two writers appended at the same seqs.
  const common = Math.min(beyond.length, mine.length);
  for (let k = 0; k < common; k++) {
    const a = beyond[k] as JournalRecord;
    const b = mine[k] as JournalRecord;
    if (a.codecId !== b.codecId || a.type !== b.type || !sameBytes(a.payload, b.payload)) {
      return { kind: "forked", seq: a.seq };
    }
  }
  // The same records: all of the segment's are in its predecessor, which goes on past them.
  if (mine.length <= beyond.length) return SUPERSEDED;
  return collision
    ? { kind: "forked", seq: (beyond[common - 1] as JournalRecord).seq + 1 }
    : CHAINED;
}

/** Whether a segment holds nothing but zeros after its header. */
function holdsNoBytes(segment: SegmentBytes): boolean {
  return isZero(segment.bytes, SEGMENT_HEADER_BYTES, segment.bytes.byteLength);
}

/** Whether `next`, at `prev`'s own first seq, records more than `prev`'s header for it. */
function isCollision(prev: SegmentHeader, next: SegmentHeader): boolean {
  return next.firstSeq === prev.firstSeq && next.prevValidBytes !== SEGMENT_HEADER_BYTES;
}

/** Replay's way to {@link linkBetween}: cheap checks, then both files read whole. */
async function linkOf(
  fs: FsPort,
  dir: string,
  prev: Segment,
  file: string,
  next: { header: SegmentHeader; maxRecordBytes: number },
): Promise<Link> {
  const { header, maxRecordBytes } = next;
  const at = header.prevValidBytes;
  if (header.prevComplete !== true) return CHAINED;
  // Most segments follow a predecessor that ends where they say: 20 bytes read tell.
  if (!isCollision(prev.header, header)) {
    if (prev.entry.size < at + RECORD_HEADER_BYTES || at < SEGMENT_HEADER_BYTES) return CHAINED;
    if ((await recordHeaderWithSeq(fs, join(dir, prev.file), at, header.firstSeq)) !== true) {
      return CHAINED;
    }
  }
  try {
    const prevBytes = await fs.readFile(join(dir, prev.file));
    const nextBytes = await fs.readFile(join(dir, file));
    return linkBetween(
      { header: prev.header, bytes: prevBytes },
      { header, bytes: nextBytes },
      maxRecordBytes,
    );
  } catch {
    return CHAINED; // replay reads them again and reports what is wrong
  }
}

/** The records of whole groups from `offset` on, seqs from `seq`. */
function recordsFrom(
  segment: SegmentBytes,
  offset: number,
  seq: number,
  maxRecordBytes: number,
): JournalRecord[] {
  const { bytes, header } = segment;
  if (offset < SEGMENT_HEADER_BYTES || offset >= bytes.byteLength) return [];
  const from = { offset, seq };
  const scan = scanSegmentOffsets(
    bytes,
    header,
    bytes.byteLength,
    maxRecordBytes,
    false,
    from,
    true,
  );
  const view = segmentView(bytes);
  return scan.offsets.map((at) => recordAt(bytes, view, at));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/**
 * Whether the 20 bytes at `offset` of `path` look like the header of a record with seq `seq` (the
 * type and seq fields only: the checksum needs the whole record, which the scan checks later);
 * `undefined` when the file cannot be read (replay opens it again and reports what is wrong).
 */
export async function recordHeaderWithSeq(
  fs: FsPort,
  path: string,
  offset: number,
  seq: number,
): Promise<boolean | undefined> {
  let handle: FsFileHandle | undefined;
  try {
    ({ handle } = await openRegularFile(fs, path, { target: path, stage: "open" }));
    const bytes = await readInto(handle, new Uint8Array(RECORD_HEADER_BYTES), offset);
    if (bytes.byteLength < RECORD_HEADER_BYTES) return false;
    const view = segmentView(bytes);
    const type = bytes[8];
    const at = view.getUint32(12, true) + view.getUint32(16, true) * 2 ** 32;
    return at === seq && (type === RECORD_TYPE_DATA || type === RECORD_TYPE_MARK);
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
