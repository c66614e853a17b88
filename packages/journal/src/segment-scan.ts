import {
  checkRecordAt,
  groupIndexOf,
  groupRecordFlags,
  type JournalRecord,
  RECORD_FLAG_GROUP_END,
  RECORD_FLAG_PREALLOCATED,
  RECORD_GROUP_INDEX_MAX,
  RECORD_HEADER_BYTES,
  RECORD_TYPE_DATA,
  RECORD_TYPE_MARK,
  readRecordAt,
  recordAt,
  recordSeqAt,
  SEGMENT_HEADER_BYTES,
  type SegmentHeader,
  segmentView,
} from "./segment-format.js";

/** Where and why a segment stops being readable. */
export interface ScanProblem {
  /** Offset of the first bad byte (a record header). */
  readonly offset: number;
  /**
   * `torn`/`zero` when nothing valid follows (or, at the end of the last segment, only the rest of
   * a group torn by a power loss: see {@link scanSegment}); otherwise what is wrong at `offset`.
   */
  readonly reason: "torn" | "zero" | "length" | "checksum" | "record" | "sequence";
  readonly message: string;
  /** Offset of the next record that validates after the damage (there is mid-segment damage), if any. */
  readonly laterAt?: number | undefined;
}

/** What {@link scanSegment} found. */
export interface SegmentScan {
  /** Records in order, up to the first problem (with `salvage`, also those after skipped damage). */
  readonly records: JournalRecord[];
  /** End offset of the last record of the unbroken prefix. */
  readonly validBytes: number;
  /** Seq of the last record of the unbroken prefix, `firstSeq - 1` when it is empty. */
  readonly lastSeq: number;
  /** The first problem, if the segment does not end cleanly at `limit`. */
  readonly problem?: ScanProblem | undefined;
  /** With `salvage`: damaged ranges skipped. */
  readonly skipped: readonly ScanProblem[];
}

/** Where a scan starts: a record boundary and the seq of the record expected there. */
export interface ScanStart {
  readonly offset: number;
  readonly seq: number;
}

/**
 * Finds the first offset after `from` holding a record that validates with seq > `afterSeq`.
 * Candidates are filtered on the seq and type fields, and on a length that fits before `end`,
 * before any checksum is computed; nothing is allocated.
 */
export function findLaterRecord(
  bytes: Uint8Array,
  from: number,
  end: number,
  salt: number,
  maxRecordBytes: number,
  afterSeq: number,
): number | undefined {
  const view = segmentView(bytes);
  const maxSeq = afterSeq + 1 + Math.ceil((end - from) / RECORD_HEADER_BYTES);
  for (let at = from; at + RECORD_HEADER_BYTES <= end; at++) {
    if (view.getUint32(at + 16, true) !== 0 && maxSeq < 2 ** 32) continue;
    const seq = view.getUint32(at + 12, true) + view.getUint32(at + 16, true) * 2 ** 32;
    if (seq <= afterSeq || seq > maxSeq) continue;
    const type = bytes[at + 8];
    if (type !== RECORD_TYPE_DATA && type !== RECORD_TYPE_MARK) continue;
    const read = readRecordAt(bytes, at, end, salt, maxRecordBytes, view);
    if (read.ok) return at;
  }
  return undefined;
}

const TORN_GROUP =
  "group torn by a power loss: records of it validate after this one, none ends a group before the last";

/**
 * Whether the bad record at `damage` and the valid records from `laterAt` to `end` can all belong
 * to the one group a writer was writing over preallocated space when it stopped: each valid one
 * carries `RECORD_FLAG_PREALLOCATED` and its index in that group (so the group began at or before
 * the damage: no whole group was lost in the hole), and only the last may carry
 * `RECORD_FLAG_GROUP_END`. A record too far into its group to hold its index says no. Records
 * without flags (an older writer, or a group appended to a growing file) or a group end followed
 * by more records (an acknowledged group after the damage) say no. So does a bad record whose
 * header still reads as the seq expected there (it reached the disk) but is not what a torn
 * group's record with records after it has: the preallocated flag with its index in that group (no
 * group end) and a length that ends before `laterAt`. That is an acknowledged record, damaged.
 */
function isTornGroup(
  bytes: Uint8Array,
  header: SegmentHeader,
  end: number,
  maxRecordBytes: number,
  damage: ScanStart,
  laterAt: number,
): boolean {
  const view = segmentView(bytes);
  const start = { offset: laterAt, seq: recordSeqAt(view, laterAt) };
  // The group the first valid record after the damage belongs to began `index` records before it;
  // it must have begun at or before the damage, or whole groups in between are lost, not torn.
  const index = groupIndexOf(bytes[laterAt + 9] as number);
  if (index === RECORD_GROUP_INDEX_MAX) return false;
  const groupStart = start.seq - index;
  if (groupStart > damage.seq) return false;
  if (recordSeqAt(view, damage.offset) === damage.seq) {
    const flags = bytes[damage.offset + 9] as number;
    const length = view.getUint32(damage.offset + 4, true);
    if (flags !== groupRecordFlags(true, damage.seq - groupStart, Number.POSITIVE_INFINITY)) {
      return false;
    }
    if (damage.offset + RECORD_HEADER_BYTES + length > laterAt) return false;
  }
  const { offsets } = scanSegmentOffsets(bytes, header, end, maxRecordBytes, true, start);
  const last = offsets.length - 1;
  return offsets.every((at, k) => {
    const flags = bytes[at + 9] as number;
    if ((flags & RECORD_FLAG_PREALLOCATED) === 0) return false;
    const expected = Math.min(recordSeqAt(view, at) - groupStart, RECORD_GROUP_INDEX_MAX);
    if (groupIndexOf(flags) !== expected) return false;
    return k === last || (flags & RECORD_FLAG_GROUP_END) === 0;
  });
}

/**
 * A bad record with nothing valid after it is a torn tail, whatever its bytes look like; a bad
 * record with a valid one after it is mid-segment damage, even when its length field points past
 * the end (a flipped length bit, not an unfinished append); a record that validates with the
 * wrong seq is never torn.
 */
function classify(found: ScanProblem, laterAt: number | undefined): ScanProblem {
  if (laterAt !== undefined) {
    if (found.reason !== "torn") return { ...found, laterAt };
    return {
      ...found,
      reason: "length",
      message: "record length points past the end of the segment, yet a valid record follows",
      laterAt,
    };
  }
  if (found.reason === "zero" || found.reason === "torn" || found.reason === "sequence") {
    return found;
  }
  return { ...found, reason: "torn", message: `${found.message}; nothing valid follows` };
}

/**
 * Scans the records of one segment in `[header end, limit)`. Stops at the first problem, or with
 * `salvage` skips to the next record that validates and goes on. Records must continue the seq
 * from the header's `firstSeq` one by one; a record that validates with another seq is a problem.
 * `from` resumes a scan at a record boundary found earlier (a follower's position).
 *
 * With `lastSegment` (the segment a writer appends to), a bad record with valid records after it
 * is a torn tail rather than damage when it can only be the start of the one group that was being
 * written: every valid record after it carries `RECORD_FLAG_PREALLOCATED` with its index in one
 * group that began at or before the bad record, none but the last of them `RECORD_FLAG_GROUP_END`,
 * and the bad record's header, if it still reads as the seq expected there, has that group's flags
 * for its index and a length that ends before the next valid record. A power loss while a group
 * overwrote preallocated space can persist a later page of it and not an earlier one; the writer
 * writes one group at a time, so an acknowledged group after the damage would show its end flag,
 * and one lost in the hole would put the start of the group after it past the damage. The scan
 * stops there (with `salvage` too) and reports reason `torn`.
 */
export function scanSegment(
  bytes: Uint8Array,
  header: SegmentHeader,
  limit: number,
  maxRecordBytes: number,
  salvage = false,
  from: ScanStart = { offset: SEGMENT_HEADER_BYTES, seq: header.firstSeq },
  lastSegment = false,
): SegmentScan {
  const { offsets, ...scan } = scanSegmentOffsets(
    bytes,
    header,
    limit,
    maxRecordBytes,
    salvage,
    from,
    lastSegment,
  );
  const view = segmentView(bytes);
  return { records: offsets.map((offset) => recordAt(bytes, view, offset)), ...scan };
}

/** What {@link scanSegmentOffsets} found: {@link SegmentScan} with the records' offsets. */
export interface SegmentOffsets extends Omit<SegmentScan, "records"> {
  /** Offsets of the records, in order (`recordAt` builds each one). */
  readonly offsets: number[];
}

/**
 * {@link scanSegment} without building the records: the same checks, the offsets of the records
 * that passed them. A replay builds each record as it hands it on, so the records of a segment do
 * not all live (and survive collections) until its last one is applied.
 */
export function scanSegmentOffsets(
  bytes: Uint8Array,
  header: SegmentHeader,
  limit: number,
  maxRecordBytes: number,
  salvage = false,
  from: ScanStart = { offset: SEGMENT_HEADER_BYTES, seq: header.firstSeq },
  lastSegment = false,
): SegmentOffsets {
  const end = Math.min(limit, bytes.byteLength);
  const view = segmentView(bytes);
  const offsets: number[] = [];
  const skipped: ScanProblem[] = [];
  let offset = from.offset;
  let expect = from.seq;
  let validBytes = offset;
  let lastSeq = from.seq - 1;
  let unbroken = true;
  let problem: ScanProblem | undefined;
  while (offset < end) {
    const checked = checkRecordAt(bytes, offset, end, header.salt, maxRecordBytes, view);
    let found: ScanProblem | undefined;
    if (typeof checked === "number") {
      const seq = recordSeqAt(view, offset);
      if (seq === expect) {
        offsets.push(offset);
        offset = checked;
        expect = seq + 1;
        if (unbroken) {
          validBytes = offset;
          lastSeq = seq;
        }
        continue;
      }
      found = {
        offset,
        reason: "sequence",
        message: `record seq ${seq} where ${expect} was expected`,
      };
    } else {
      found = { offset, reason: checked.reason, message: checked.message };
    }
    const laterAt =
      found.reason === "zero"
        ? undefined
        : findLaterRecord(bytes, offset + 1, end, header.salt, maxRecordBytes, expect - 1);
    unbroken = false;
    if (lastSegment && laterAt !== undefined && found.reason !== "sequence") {
      const damage = { offset, seq: expect };
      if (isTornGroup(bytes, header, end, maxRecordBytes, damage, laterAt)) {
        problem ??= { offset, reason: "torn", message: TORN_GROUP };
        break;
      }
    }
    const classified = classify(found, laterAt);
    if (problem === undefined) problem = classified;
    if (!salvage || laterAt === undefined) break;
    skipped.push(classified);
    offset = laterAt;
    if (typeof checkRecordAt(bytes, laterAt, end, header.salt, maxRecordBytes, view) === "number") {
      expect = recordSeqAt(view, laterAt);
    }
  }
  return { offsets, validBytes, lastSeq, problem, skipped };
}
