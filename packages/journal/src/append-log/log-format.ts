import { corruptError } from "../corrupt.js";
import { crc32c } from "../crc32c.js";
import {
  checkRecordAt,
  decodeSegmentHeader,
  encodeRecordHeader,
  encodeSegmentHeader,
  isTornHeaderError,
  isZero,
  RECORD_HEADER_BYTES,
  readRecordAt,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  SEGMENT_VERSION,
  segmentView,
} from "../segment-format.js";
import { findLaterRecord } from "../segment-scan.js";

/** One entry read from a log file, or why a stretch of it could not be read. */
export type LogEntry =
  | {
      readonly kind: "record";
      readonly seq: number;
      readonly value: unknown;
      readonly offset: number;
      readonly end: number;
    }
  | {
      readonly kind: "bad";
      readonly offset: number;
      readonly end: number;
      readonly reason: string;
      readonly terminated: boolean;
    }
  | {
      /**
       * A whole record (its checksum checks out) longer than `maxRecordBytes`: written with a
       * larger bound, never damage nor a torn tail.
       */
      readonly kind: "oversized";
      readonly offset: number;
      readonly end: number;
      /** Bytes of its payload. */
      readonly bytes: number;
    };

/** What a log file starts with. */
export interface LogHeader {
  readonly firstSeq: number;
  readonly createdAt: number;
  readonly salt: number;
  /** Bytes of the header. */
  readonly bytes: number;
}

/** A value as `append()` took it: its JSON text (`jsonl`) or a copy of its bytes (`framed`). */
export type PreparedValue = string | Uint8Array;

/** A log file format: `jsonl` (one JSON object per line) or `framed` (checksummed binary records). */
export interface LogFormat {
  readonly name: "jsonl" | "framed";
  header(firstSeq: number, createdAt: number, salt: number): Uint8Array;
  /**
   * Throws `ERR_CORRUPT` when `bytes` does not start with a valid header: `details.reason`
   * `"torn"` when they hold nothing but an unfinished one (the file was being created when its
   * writer died), `"version"` for a header of a newer version of the format, another reason for
   * damage.
   */
  parseHeader(bytes: Uint8Array): LogHeader;
  /**
   * Where the records behind a damaged header start, and the salt to check them with (the header's
   * own, which may be damaged too); `firstSeq` is 1, as nothing can be trusted about it.
   */
  salvageHeader(bytes: Uint8Array): LogHeader;
  /** Checks and copies (or encodes) a value when it is appended; throws a `TypeError` for one the format cannot hold. */
  prepare(value: unknown): PreparedValue;
  encode(seq: number, value: PreparedValue, salt: number): Uint8Array[];
  /** Entries from `start` to the end of `bytes`. */
  entries(
    bytes: Uint8Array,
    start: number,
    header: LogHeader,
    maxRecordBytes: number,
  ): Iterable<LogEntry>;
}

const NL = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function parseLine(bytes: Uint8Array, start: number, end: number): unknown {
  return JSON.parse(decoder.decode(bytes.subarray(start, end)));
}

/** A `JSON.stringify` replacer that throws on a number JSON cannot hold (`NaN`, `±Infinity`). */
function refuseNonFinite(key: string, value: unknown): unknown {
  const n = value instanceof Number ? value.valueOf() : value;
  if (typeof n === "number" && !Number.isFinite(n)) {
    const where = key === "" ? "the value" : `${JSON.stringify(key)}`;
    throw new TypeError(`${where} is ${n}, which JSON cannot hold (it would be stored as null)`);
  }
  return value;
}

/** The version of the log formats this code writes and reads (the jsonl header's `v`, the segment header's version). */
const LOG_VERSION = 1;

function newerVersion(version: number): Error {
  return corruptError(
    `written in newer version ${version} of the log format; this version of @snapwrite/journal reads version ${LOG_VERSION}`,
    0,
    "version",
    { version, supported: LOG_VERSION },
  );
}

/** `{"$snapwrite":"log","v":1,"firstSeq":…,"createdAt":…}` then `{"seq":…,"value":…}` lines. */
export const jsonlFormat: LogFormat = {
  name: "jsonl",
  header(firstSeq, createdAt) {
    return encoder.encode(`${JSON.stringify({ $snapwrite: "log", v: 1, firstSeq, createdAt })}\n`);
  },
  parseHeader(bytes) {
    const nl = bytes.indexOf(NL);
    if (nl < 0) throw corruptError("log header line is incomplete", 0, "torn");
    let parsed: { $snapwrite?: unknown; v?: unknown; firstSeq?: unknown; createdAt?: unknown };
    try {
      parsed = parseLine(bytes, 0, nl) as typeof parsed;
    } catch (cause) {
      throw Object.assign(corruptError("log header line is not JSON", 0, "header"), { cause });
    }
    const isLog = parsed !== null && typeof parsed === "object" && parsed.$snapwrite === "log";
    if (isLog && Number.isSafeInteger(parsed.v) && (parsed.v as number) > LOG_VERSION) {
      throw newerVersion(parsed.v as number);
    }
    if (
      !isLog ||
      parsed.v !== LOG_VERSION ||
      !Number.isSafeInteger(parsed.firstSeq) ||
      (parsed.firstSeq as number) < 1
    ) {
      throw corruptError("not a snapwrite log header", 0, "header");
    }
    const createdAt = typeof parsed.createdAt === "number" ? parsed.createdAt : 0;
    return { firstSeq: parsed.firstSeq as number, createdAt, salt: 0, bytes: nl + 1 };
  },
  salvageHeader(bytes) {
    return { firstSeq: 1, createdAt: 0, salt: 0, bytes: bytes.indexOf(NL) + 1 };
  },
  prepare(value) {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError("value is not JSON-serializable");
    // JSON writes NaN and ±Infinity as null: refuse them rather than store something else. Only
    // output holding "null" can hide one, so other values are not walked a second time.
    if (json.includes("null")) JSON.stringify(value, refuseNonFinite);
    return json;
  },
  encode(seq, json) {
    return [encoder.encode(`{"seq":${seq},"value":${json as string}}\n`)];
  },
  *entries(bytes, start) {
    let offset = start;
    while (offset < bytes.byteLength) {
      const nl = bytes.indexOf(NL, offset);
      const end = nl < 0 ? bytes.byteLength : nl;
      const next = nl < 0 ? bytes.byteLength : nl + 1;
      let record: { seq?: unknown; value?: unknown } | undefined;
      try {
        const parsed = parseLine(bytes, offset, end) as typeof record;
        if (parsed !== null && typeof parsed === "object" && Number.isSafeInteger(parsed.seq))
          record = parsed;
      } catch {
        record = undefined;
      }
      if (record !== undefined && nl >= 0) {
        yield { kind: "record", seq: record.seq as number, value: record.value, offset, end: next };
      } else {
        yield {
          kind: "bad",
          offset,
          end: next,
          reason: nl < 0 ? "torn" : "corrupt",
          terminated: nl >= 0,
        };
      }
      offset = next;
    }
  },
};

/** The journal's segment header and record framing; values are `Uint8Array` payloads. */
export const framedFormat: LogFormat = {
  name: "framed",
  header(firstSeq, createdAt, salt) {
    return encodeSegmentHeader({ salt, firstSeq, createdAt, prevValidBytes: 0 });
  },
  parseHeader(bytes) {
    const newer = newerSegmentVersion(bytes);
    if (newer !== undefined) throw newerVersion(newer);
    let h: ReturnType<typeof decodeSegmentHeader>;
    try {
      h = decodeSegmentHeader(bytes);
    } catch (error) {
      const size = bytes.byteLength;
      const dataAfterHeader =
        size > SEGMENT_HEADER_BYTES && !isZero(bytes, SEGMENT_HEADER_BYTES, size);
      if (!isTornHeaderError(error, size, dataAfterHeader)) throw error;
      throw Object.assign(corruptError("log header is incomplete", 0, "torn"), { cause: error });
    }
    return {
      firstSeq: h.firstSeq,
      createdAt: h.createdAt,
      salt: h.salt,
      bytes: SEGMENT_HEADER_BYTES,
    };
  },
  salvageHeader(bytes) {
    const salt = segmentView(bytes).getUint32(12, true);
    return { firstSeq: 1, createdAt: 0, salt, bytes: SEGMENT_HEADER_BYTES };
  },
  prepare(value) {
    if (!(value instanceof Uint8Array))
      throw new TypeError("a framed log appends Uint8Array values");
    // A copy: the caller may reuse or change its buffer as soon as append() returns.
    const copy = new Uint8Array(value.byteLength);
    copy.set(value);
    return copy;
  },
  encode(seq, payload, salt) {
    const bytes = payload as Uint8Array;
    return [encodeRecordHeader(salt, { seq }, bytes), bytes];
  },
  *entries(bytes, start, header, maxRecordBytes) {
    let offset = start;
    let previous = header.firstSeq - 1;
    while (offset < bytes.byteLength) {
      const r = readRecordAt(bytes, offset, bytes.byteLength, header.salt, maxRecordBytes);
      if (r.ok) {
        yield { kind: "record", seq: r.record.seq, value: r.record.payload, offset, end: r.end };
        previous = r.record.seq;
        offset = r.end;
        continue;
      }
      const whole = r.reason === "length" ? wholeRecordEnd(bytes, offset, header.salt) : undefined;
      if (whole !== undefined) {
        yield {
          kind: "oversized",
          offset,
          end: whole,
          bytes: whole - offset - RECORD_HEADER_BYTES,
        };
        offset = whole;
        continue;
      }
      // Resynchronise on the next record that validates with the file's salt and a later seq.
      const later = findLaterRecord(
        bytes,
        offset + 1,
        bytes.byteLength,
        header.salt,
        maxRecordBytes,
        previous,
      );
      const end = later ?? bytes.byteLength;
      yield {
        kind: "bad",
        offset,
        end,
        reason: later === undefined ? "torn" : r.reason,
        terminated: later !== undefined,
      };
      offset = end;
    }
  },
};

const MAGIC_BYTES = new TextEncoder().encode(SEGMENT_MAGIC);

function startsWithMagic(bytes: Uint8Array): boolean {
  if (bytes.byteLength < MAGIC_BYTES.byteLength) return false;
  return MAGIC_BYTES.every((byte, i) => bytes[i] === byte);
}

/**
 * The format a log file's first bytes name: `framed` when they are the segment magic. When they
 * are neither the magic nor a jsonl header, `expected` (the log's format): with `framed`, a framed
 * file whose magic is damaged, whose records are read behind its header.
 */
export function formatOf(bytes: Uint8Array, expected?: LogFormat): LogFormat {
  if (startsWithMagic(bytes)) return framedFormat;
  return expected === framedFormat && !holdsJsonlHeader(bytes) ? framedFormat : jsonlFormat;
}

/** The format a file's first bytes say for sure, `undefined` when they say neither. */
export function recognisedFormat(bytes: Uint8Array): LogFormat | undefined {
  if (startsWithMagic(bytes)) return framedFormat;
  return holdsJsonlHeader(bytes) ? jsonlFormat : undefined;
}

/** Whether `bytes` start with a jsonl log header (of this version or a newer one). */
function holdsJsonlHeader(bytes: Uint8Array): boolean {
  try {
    jsonlFormat.parseHeader(bytes);
    return true;
  } catch (error) {
    return (error as { details?: { reason?: unknown } }).details?.reason === "version";
  }
}

/** The version of a segment header that checks out but is newer than this code's, else `undefined`. */
function newerSegmentVersion(bytes: Uint8Array): number | undefined {
  if (bytes.byteLength < SEGMENT_HEADER_BYTES || !startsWithMagic(bytes)) return undefined;
  const view = segmentView(bytes);
  const version = view.getUint16(8, true);
  if (version <= SEGMENT_VERSION || view.getUint32(36, true) !== crc32c(bytes, 0, 36)) {
    return undefined;
  }
  return version;
}

/**
 * The end of the record at `offset` when all its bytes are there and its checksum checks out,
 * whatever its length (one past `maxRecordBytes` included), else `undefined`.
 */
function wholeRecordEnd(bytes: Uint8Array, offset: number, salt: number): number | undefined {
  const end = checkRecordAt(bytes, offset, bytes.byteLength, salt, 2 ** 32, segmentView(bytes));
  return typeof end === "number" ? end : undefined;
}
