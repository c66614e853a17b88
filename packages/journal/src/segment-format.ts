import { Buffer } from "node:buffer";
import { corruptError } from "./corrupt.js";
import { crc32c } from "./crc32c.js";

/** The eight bytes every segment starts with. */
export const SEGMENT_MAGIC = "SWJOURN1";
/** Format version written in segment headers. */
export const SEGMENT_VERSION = 1;
/** Bytes of a segment header. */
export const SEGMENT_HEADER_BYTES = 40;
/** Bytes of a record header (checksum, length, type, flags, codec id, seq). */
export const RECORD_HEADER_BYTES = 20;
/** Default bound on one record's payload: 16 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** Record type of an ordinary payload (an op batch for the store). */
export const RECORD_TYPE_DATA = 1;
/** Record type of a marker the journal writes for itself. */
export const RECORD_TYPE_MARK = 2;
/**
 * Record flag: the last record of the group it was written with (one `writev`; a single append is
 * a group of one). Readers before this flag ignore the flags byte.
 */
export const RECORD_FLAG_GROUP_END = 0x01;
/**
 * Record flag: written over preallocated space, inside the file's size, where a power loss can
 * persist a later page of a group and not an earlier one. A writer that sets it marks the end of
 * every group with {@link RECORD_FLAG_GROUP_END}, so replay can tell such a torn group at the end of
 * the last segment from damage followed by acknowledged records (see `scanSegment`).
 */
export const RECORD_FLAG_PREALLOCATED = 0x02;
/** Shift of a preallocated record's index in its group, in the flags byte's six high bits. */
export const RECORD_GROUP_INDEX_SHIFT = 2;
/**
 * Largest index in its group a preallocated record's flags hold; a record further into its group
 * holds this value (its group's first seq is then unknown, and a tear before it stays damage).
 */
export const RECORD_GROUP_INDEX_MAX = 0x3f;

/**
 * The flags of record `index` (from 0) of a group of `count` written over preallocated space (or
 * not, `preallocated` false: then only the group end is marked).
 */
export function groupRecordFlags(preallocated: boolean, index: number, count: number): number {
  const end = index === count - 1 ? RECORD_FLAG_GROUP_END : 0;
  if (!preallocated) return end;
  const position = Math.min(index, RECORD_GROUP_INDEX_MAX) << RECORD_GROUP_INDEX_SHIFT;
  return RECORD_FLAG_PREALLOCATED | position | end;
}

/** The index in its group held by a record's `flags` (saturated at {@link RECORD_GROUP_INDEX_MAX}). */
export function groupIndexOf(flags: number): number {
  return (flags >> RECORD_GROUP_INDEX_SHIFT) & RECORD_GROUP_INDEX_MAX;
}

const MAGIC_BYTES = new TextEncoder().encode(SEGMENT_MAGIC);
const TWO_32 = 2 ** 32;

/** The decoded header of a segment file. */
export interface SegmentHeader {
  /** Random per segment; seeds every record checksum, so records of another segment never validate. */
  readonly salt: number;
  /** Seq of the segment's first record (the next seq when it was created). */
  readonly firstSeq: number;
  /** Clock time of creation, in ms. */
  readonly createdAt: number;
  /** Valid length of the previous segment when this one was started; 0 for the first. */
  readonly prevValidBytes: number;
  /**
   * Set by a writer that knew the previous segment's records end at `prevValidBytes` (a roll, or
   * an open that cut a torn tail); not by a seal, which cuts off records whose sync failed, nor by
   * writers older than this flag. Replay checks a flagged segment against its predecessor (see
   * `replayJournal`'s `superseded`). Default false.
   */
  readonly prevComplete?: boolean | undefined;
}

/**
 * Header flag: see {@link SegmentHeader.prevComplete}. The flags are the top 16 bits of the u64
 * that held `createdAt` (a time in ms, which needs 42 of them), so earlier readers see them as a
 * later `createdAt` and read on.
 */
export const SEGMENT_FLAG_PREV_COMPLETE = 0x01;

function putU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % TWO_32, true);
  view.setUint32(at + 4, Math.floor(value / TWO_32), true);
}

function getU64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * TWO_32;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encodes a segment header (40 bytes, little-endian, ending in a CRC32C of the first 36). */
export function encodeSegmentHeader(header: SegmentHeader): Uint8Array {
  const out = new Uint8Array(SEGMENT_HEADER_BYTES);
  const view = viewOf(out);
  out.set(MAGIC_BYTES, 0);
  view.setUint16(8, SEGMENT_VERSION, true);
  view.setUint16(10, SEGMENT_HEADER_BYTES, true);
  view.setUint32(12, header.salt >>> 0, true);
  putU64(view, 16, header.firstSeq);
  putU64(view, 24, header.createdAt % 2 ** 48);
  view.setUint16(30, header.prevComplete === true ? SEGMENT_FLAG_PREV_COMPLETE : 0, true);
  view.setUint32(32, header.prevValidBytes >>> 0, true);
  view.setUint32(36, crc32c(out, 0, 36), true);
  return out;
}

/**
 * Decodes the header at the start of `bytes`. Throws `ERR_CORRUPT` (`reason: "header"`, or
 * `"torn"`/`"zero"` when the file is shorter than a header or all zero) for anything else.
 */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeader {
  if (bytes.byteLength < SEGMENT_HEADER_BYTES) {
    const reason = isZero(bytes, 0, bytes.byteLength) ? "zero" : "torn";
    throw corruptError(`segment header cut at ${bytes.byteLength} bytes`, 0, reason);
  }
  if (isZero(bytes, 0, SEGMENT_HEADER_BYTES)) {
    throw corruptError("segment header is zero-filled", 0, "zero");
  }
  const view = viewOf(bytes);
  for (let i = 0; i < MAGIC_BYTES.byteLength; i++) {
    if (bytes[i] !== MAGIC_BYTES[i]) throw corruptError("not a journal segment", 0, "header");
  }
  if (view.getUint32(36, true) !== crc32c(bytes, 0, 36)) {
    throw corruptError("segment header checksum mismatch", 36, "checksum");
  }
  const version = view.getUint16(8, true);
  if (version !== SEGMENT_VERSION) {
    throw corruptError(`unsupported segment version ${version}`, 8, "header");
  }
  if (view.getUint16(10, true) !== SEGMENT_HEADER_BYTES) {
    throw corruptError("unexpected segment header size", 10, "header");
  }
  const firstSeq = getU64(view, 16);
  if (firstSeq < 1 || !Number.isSafeInteger(firstSeq)) {
    throw corruptError(`segment first seq ${firstSeq} out of range`, 16, "header");
  }
  return {
    salt: view.getUint32(12, true),
    firstSeq,
    createdAt: view.getUint32(24, true) + view.getUint16(28, true) * TWO_32,
    prevValidBytes: view.getUint32(32, true),
    prevComplete: (view.getUint16(30, true) & SEGMENT_FLAG_PREV_COMPLETE) !== 0,
  };
}

/**
 * True when `error`, thrown by {@link decodeSegmentHeader} for a file of `size` bytes, means the
 * segment was still being created (its header cut short, or nothing after it, or a zero-filled
 * header with nothing but zeros after it: `dataAfterHeader` false) rather than that a header with
 * records after it was damaged. A header is durable before any record after it is acknowledged,
 * so records behind a zero-filled header are damage, never a torn creation.
 */
export function isTornHeaderError(error: unknown, size: number, dataAfterHeader: boolean): boolean {
  const reason = (error as { details?: { reason?: unknown } } | undefined)?.details?.reason;
  if (size <= SEGMENT_HEADER_BYTES || reason === "torn") return true;
  return reason === "zero" && !dataAfterHeader;
}

/** What {@link encodeRecord} needs besides the payload. */
export interface RecordFields {
  readonly seq: number;
  readonly type?: number | undefined;
  readonly flags?: number | undefined;
  readonly codecId?: number | undefined;
}

/**
 * Encodes one record's 20-byte header for `payload`: CRC32C (seeded with `salt`) over the rest of
 * the header and the payload, payload length, type, flags, codec id and seq. The payload is not
 * copied: write `[header, payload]` with one `writev`.
 */
export function encodeRecordHeader(
  salt: number,
  fields: RecordFields,
  payload: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES);
  const view = viewOf(out);
  view.setUint32(4, payload.byteLength, true);
  out[8] = fields.type ?? RECORD_TYPE_DATA;
  out[9] = fields.flags ?? 0;
  view.setUint16(10, fields.codecId ?? 0, true);
  putU64(view, 12, fields.seq);
  const crc = crc32c(payload, 0, payload.byteLength, crc32c(out, 4, RECORD_HEADER_BYTES, salt));
  view.setUint32(0, crc, true);
  return out;
}

/**
 * Encodes one whole record (header then a copy of `payload`) into `target` at `at`, the same bytes
 * as {@link encodeRecordHeader} followed by the payload; returns the offset after it. The checksum
 * covers the header's last 16 bytes and the payload, which lie side by side, in one pass.
 */
export function encodeRecordInto(
  target: Uint8Array,
  view: DataView,
  at: number,
  salt: number,
  seq: number,
  codecId: number,
  payload: Uint8Array,
  flags = 0,
): number {
  const length = payload.byteLength;
  view.setUint32(at + 4, length, true);
  target[at + 8] = RECORD_TYPE_DATA;
  target[at + 9] = flags;
  view.setUint16(at + 10, codecId, true);
  putU64(view, at + 12, seq);
  const end = at + RECORD_HEADER_BYTES + length;
  target.set(payload, at + RECORD_HEADER_BYTES);
  view.setUint32(at, crc32c(target, at + 4, end, salt), true);
  return end;
}

/** A record as read back from a segment; `payload` is a view into the segment's bytes. */
export interface JournalRecord {
  readonly seq: number;
  readonly type: number;
  readonly flags: number;
  readonly codecId: number;
  /** Offset of the record header in its segment file. */
  readonly offset: number;
  readonly payload: Uint8Array;
}

/** Outcome of {@link readRecordAt}: a record, or why there is none at the offset. */
export type RecordRead =
  | { readonly ok: true; readonly record: JournalRecord; readonly end: number }
  | {
      readonly ok: false;
      readonly reason: "torn" | "zero" | "length" | "checksum" | "record";
      readonly message: string;
    };

/** Bytes {@link isZero} looks at one by one before it compares whole pieces. */
const ZERO_HEAD_BYTES = 64;
const ZERO_PIECE = new Uint8Array(64 * 1024);

/**
 * True when `bytes[start, end)` holds only zero bytes. Its first bytes are looked at one by one
 * (a record's checksum is rarely zero, so a valid record costs no more); a long zero run, such as
 * a segment's preallocated space, is compared in 64 KiB pieces.
 */
export function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  const head = Math.min(end, start + ZERO_HEAD_BYTES);
  for (let i = start; i < head; i++) if (bytes[i] !== 0) return false;
  for (let at = head; at < end; at += ZERO_PIECE.byteLength) {
    const n = Math.min(ZERO_PIECE.byteLength, end - at);
    if (Buffer.compare(bytes.subarray(at, at + n), ZERO_PIECE.subarray(0, n)) !== 0) return false;
  }
  return true;
}

/** A `DataView` over all of `bytes`, to pass to {@link readRecordAt} for many records of them. */
export function segmentView(bytes: Uint8Array): DataView {
  return viewOf(bytes);
}

/** Why there is no record at an offset: the failure half of {@link RecordRead}. */
export type RecordProblem = Extract<RecordRead, { ok: false }>;

/**
 * Checks the record at `offset` of a segment whose bytes end at `end` (its length, checksum and
 * type) and returns the offset after it, or why there is none. Allocates nothing for a valid
 * record: the length field is checked against `maxRecordBytes` and the bytes present before the
 * payload is looked at.
 */
export function checkRecordAt(
  bytes: Uint8Array,
  offset: number,
  end: number,
  salt: number,
  maxRecordBytes: number,
  view: DataView,
): number | RecordProblem {
  end = Math.min(end, bytes.byteLength);
  if (isZero(bytes, offset, end)) {
    return { ok: false, reason: "zero", message: "zero-filled tail" };
  }
  if (end - offset < RECORD_HEADER_BYTES) {
    return { ok: false, reason: "torn", message: "record header cut off" };
  }
  const length = view.getUint32(offset + 4, true);
  if (length > maxRecordBytes) {
    return { ok: false, reason: "length", message: `record length ${length} above the maximum` };
  }
  const payloadEnd = offset + RECORD_HEADER_BYTES + length;
  if (payloadEnd > end) {
    return { ok: false, reason: "torn", message: "record payload cut off" };
  }
  // The checksum covers the header's last 16 bytes and the payload, which lie side by side.
  if (crc32c(bytes, offset + 4, payloadEnd, salt) !== view.getUint32(offset, true)) {
    return { ok: false, reason: "checksum", message: "record checksum mismatch" };
  }
  const type = bytes[offset + 8] as number;
  if (type !== RECORD_TYPE_DATA && type !== RECORD_TYPE_MARK) {
    return { ok: false, reason: "record", message: `unknown record type ${type}` };
  }
  return payloadEnd;
}

/** The seq of the record at `offset` (one {@link checkRecordAt} accepted). */
export function recordSeqAt(view: DataView, offset: number): number {
  return getU64(view, offset + 12);
}

/** The record at `offset`, one {@link checkRecordAt} accepted; its payload is a view of `bytes`. */
export function recordAt(bytes: Uint8Array, view: DataView, offset: number): JournalRecord {
  const payloadStart = offset + RECORD_HEADER_BYTES;
  return {
    seq: getU64(view, offset + 12),
    type: bytes[offset + 8] as number,
    flags: bytes[offset + 9] as number,
    codecId: view.getUint16(offset + 10, true),
    offset,
    payload: bytes.subarray(payloadStart, payloadStart + view.getUint32(offset + 4, true)),
  };
}

/**
 * Reads the record at `offset` of a segment whose bytes end at `end` ({@link checkRecordAt}, then
 * {@link recordAt}). A scan over many records passes `view` ({@link segmentView} of `bytes`) so
 * that each read does not make its own.
 */
export function readRecordAt(
  bytes: Uint8Array,
  offset: number,
  end: number,
  salt: number,
  maxRecordBytes: number,
  view: DataView = viewOf(bytes),
): RecordRead {
  const checked = checkRecordAt(bytes, offset, end, salt, maxRecordBytes, view);
  if (typeof checked !== "number") return checked;
  return { ok: true, end: checked, record: recordAt(bytes, view, offset) };
}
